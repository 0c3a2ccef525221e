// RabbitMQ tutorial 4, "Routing", with Warren: a direct exchange `direct_logs`; a queue gets a
// message when its binding key equals the routing key. The disk writer binds only `error`,
// the console binds `info`, `warning` and `error` (one @Subscribe per binding key).
// Run: npx tsx examples/routing.ts
import { Service, Subscribe, Warren, type EventContext } from 'warren';

const SENT: [severity: string, text: string][] = [
  ['info', 'user logged in'],
  ['warning', 'slow response'],
  ['error', 'payment failed'],
  ['debug', 'nobody listens to debug'],
];
const EXPECTED = 4; // console: info, warning, error; disk: error
let seen = 0;
let finished!: () => void;
const allDone = new Promise<void>((resolve) => (finished = resolve));

function received(who: string, ctx: EventContext, text: string): Promise<void> {
  console.log(` [${who}] ${ctx.routingKey}: ${text}`);
  if (++seen === EXPECTED) finished();
  return Promise.resolve();
}

@Service('disk')
class DiskWriter {
  @Subscribe({ exchange: 'direct_logs', type: 'direct', pattern: 'error' })
  write(log: { text: string }, ctx: EventContext): Promise<void> {
    return received('disk', ctx, log.text);
  }
}

@Service('console')
class ConsoleWriter {
  @Subscribe({ exchange: 'direct_logs', type: 'direct', pattern: 'info' })
  info(log: { text: string }, ctx: EventContext): Promise<void> {
    return received('console', ctx, log.text);
  }

  @Subscribe({ exchange: 'direct_logs', type: 'direct', pattern: 'warning' })
  warning(log: { text: string }, ctx: EventContext): Promise<void> {
    return received('console', ctx, log.text);
  }

  @Subscribe({ exchange: 'direct_logs', type: 'direct', pattern: 'error' })
  error(log: { text: string }, ctx: EventContext): Promise<void> {
    return received('console', ctx, log.text);
  }
}

const app = await Warren.start({ services: [DiskWriter, ConsoleWriter] });
for (const [severity, text] of SENT) await app.client.publish('direct_logs', severity, { text });
await allDone;
await new Promise((resolve) => setTimeout(resolve, 50)); // the debug message goes nowhere
console.log(`${SENT.length} messages published, ${seen} delivered ('debug' matched no binding)`);
await app.close();
