// RabbitMQ tutorial 3, "Publish/Subscribe", with Warren: a fanout exchange `logs`; every
// subscriber gets its own (exclusive, server-named) queue and so every message.
// Run: npx tsx examples/publish-subscribe.ts
import { Service, Subscribe, Warren } from 'warren';

const LINES = ['info: service started', 'warning: disk 80% full', 'error: disk full'];
let seen = 0;
let finished!: () => void;
const allDone = new Promise<void>((resolve) => (finished = resolve));

function received(who: string, line: string): Promise<void> {
  console.log(` [${who}] ${line}`);
  if (++seen === LINES.length * 2) finished();
  return Promise.resolve();
}

@Service('screen')
class Screen {
  @Subscribe({ exchange: 'logs', type: 'fanout' })
  show(log: { line: string }): Promise<void> {
    return received('screen', log.line);
  }
}

@Service('archive')
class Archive {
  @Subscribe({ exchange: 'logs', type: 'fanout' })
  store(log: { line: string }): Promise<void> {
    return received('archive', log.line);
  }
}

const app = await Warren.start({ services: [Screen, Archive] });
for (const line of LINES) await app.client.publish('logs', '', { line });
await allDone;
console.log(`${LINES.length} messages published, ${seen} delivered (each subscriber got all)`);
await app.close();
