// Warren's quickstart: a task worker, an RPC procedure and a topic subscriber, all on the
// embedded broker (no server to install). Run it with `npm run quickstart`.
import 'reflect-metadata';
import { Rpc, Service, Subscribe, Task, Warren, type TaskContext } from 'warren';

interface Email {
  to: string;
  subject: string;
}

const EmailSchema = {
  type: 'object',
  properties: { to: { type: 'string', minLength: 3 }, subject: { type: 'string' } },
  required: ['to', 'subject'],
  additionalProperties: false,
} as const;

const StatsRequestSchema = {
  type: 'object',
  properties: { since: { type: 'number' } },
  required: ['since'],
} as const;

@Service('mailer')
class Mailer {
  sent = 0;
  readonly done: Promise<void>;
  private finish!: () => void;

  constructor() {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  @Task('email.send', { schema: EmailSchema, retries: 5, backoff: { type: 'exponential', delay: 100 } })
  send(email: Email, ctx: TaskContext): Promise<void> {
    this.sent++;
    console.log(`task   email.send  → to=${email.to} subject="${email.subject}" (attempt ${ctx.attempt})`);
    if (this.sent === 3) this.finish();
    return Promise.resolve();
  }

  @Rpc('mailer.stats', { schema: StatsRequestSchema, timeout: 5_000 })
  stats(req: { since: number }): Promise<{ sent: number; since: number }> {
    return Promise.resolve({ sent: this.sent, since: req.since });
  }

  @Subscribe({ exchange: 'logs', type: 'topic', pattern: '*.critical' })
  onCritical(line: { msg: string }): Promise<void> {
    console.log(`event  logs *.critical → ${line.msg}`);
    return Promise.resolve();
  }
}

const mailer = new Mailer();
const app = await Warren.start({ services: [mailer] });

for (const to of ['ada@example.com', 'alan@example.com', 'grace@example.com']) {
  await app.client.enqueue('email.send', { to, subject: 'hi' });
}
await mailer.done;

const stats = await app.client.call('mailer.stats', { since: 0 });
console.log('rpc    mailer.stats →', JSON.stringify(stats));

await app.client.publish('logs', 'kern.critical', { msg: 'disk full' });
await app.client.publish('logs', 'kern.info', { msg: 'not for the critical subscriber' });
await new Promise((resolve) => setTimeout(resolve, 100));

await app.close();
console.log('done: 3 tasks, 1 RPC, 1 event, on the embedded broker');
