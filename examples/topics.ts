// RabbitMQ tutorial 5, "Topics", with Warren: a topic exchange `topic_logs`; routing keys are
// dot-separated words, `*` matches exactly one word and `#` zero or more.
// Run: npx tsx examples/topics.ts
import { Service, Subscribe, Warren, type EventContext } from 'warren';

const KEYS = [
  'quick.orange.rabbit', // *.orange.* and *.*.rabbit
  'lazy.orange.elephant', // *.orange.* and lazy.#
  'quick.orange.fox', // *.orange.*
  'lazy.brown.fox', // lazy.#
  'lazy.pink.rabbit', // *.*.rabbit and lazy.#
  'quick.brown.fox', // nobody
  'orange', // nobody (one word; *.orange.* needs three)
  'lazy.orange.new.rabbit', // lazy.# only (*.*.rabbit needs exactly three words)
];
const EXPECTED = 9;
let seen = 0;
let finished!: () => void;
const allDone = new Promise<void>((resolve) => (finished = resolve));

function received(who: string, ctx: EventContext): Promise<void> {
  console.log(` [${who}] ${ctx.routingKey}`);
  if (++seen === EXPECTED) finished();
  return Promise.resolve();
}

@Service('q1')
class OrangeAnimals {
  @Subscribe({ exchange: 'topic_logs', type: 'topic', pattern: '*.orange.*' })
  orange(_animal: unknown, ctx: EventContext): Promise<void> {
    return received('Q1 *.orange.*', ctx);
  }
}

// In RabbitMQ's tutorial Q2 is one queue with two bindings, so lazy.pink.rabbit reaches it
// once. Warren gives every @Subscribe handler its own queue and binding, so here it reaches
// both handlers.
@Service('q2')
class LazyRabbits {
  @Subscribe({ exchange: 'topic_logs', type: 'topic', pattern: '*.*.rabbit' })
  rabbit(_animal: unknown, ctx: EventContext): Promise<void> {
    return received('Q2 *.*.rabbit', ctx);
  }

  @Subscribe({ exchange: 'topic_logs', type: 'topic', pattern: 'lazy.#' })
  lazy(_animal: unknown, ctx: EventContext): Promise<void> {
    return received('Q2 lazy.#', ctx);
  }
}

const app = await Warren.start({ services: [OrangeAnimals, LazyRabbits] });
for (const key of KEYS) await app.client.publish('topic_logs', key, { key });
await allDone;
await new Promise((resolve) => setTimeout(resolve, 50)); // quick.brown.fox and orange go nowhere
console.log(`${KEYS.length} messages published, ${seen} deliveries`);
await app.close();
