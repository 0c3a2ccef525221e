// The Warren side of the polyglot example: an RPC that greets, and a task that records an
// event and announces it on the `polyglot.events` topic exchange. Plain AMQP clients (see
// client.py) reach both through Warren's AMQP server.
import { Rpc, Service, Task, type Client } from 'warren';

export const EVENTS_EXCHANGE = 'polyglot.events';

const GreetSchema = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1 } },
  required: ['name'],
} as const;

@Service('polyglot')
export class Greeter {
  /** Set once the app is started; the task handler publishes through it. */
  client: Client | undefined;
  readonly recorded: unknown[] = [];

  @Rpc('polyglot.greet', { schema: GreetSchema, timeout: 5_000 })
  greet(req: { name: string }): Promise<{ greeting: string; from: string }> {
    console.log(`[warren] rpc polyglot.greet ← ${JSON.stringify(req)}`);
    return Promise.resolve({ greeting: `Hello, ${req.name}!`, from: 'warren' });
  }

  @Task('polyglot.record', { retries: 1 })
  async record(event: { kind: string; user: string }): Promise<void> {
    console.log(`[warren] task polyglot.record ← ${JSON.stringify(event)}`);
    this.recorded.push(event);
    await this.client?.publish(EVENTS_EXCHANGE, `recorded.${event.kind}`, { ...event, recordedBy: 'warren' });
  }
}
