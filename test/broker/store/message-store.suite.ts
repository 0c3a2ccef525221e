// One conformance suite for every MessageStore (as BullMQ runs one suite on every backend):
// the behaviours the engine relies on, run by memory-store.test.ts and file-store.test.ts.
// Behaviours a store does not offer (paging, surviving a restart) are skipped for it, named
// by the test's skip reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../../src/broker/message.js';
import type { DurableWaiter, MessageStore, StoreEngine } from '../../../src/broker/store/message-store.js';

/** A store opened for one test. */
export interface StoreUnderTest {
  store: MessageStore;
  /**
   * Durable stores: closes the store and opens it again on the same data; `known` are the
   * queues that still exist. Returns the new store and what it recovered per queue key.
   */
  restart?(known: string[]): Promise<{ store: MessageStore; recovered(queueKey: string): Message[] }>;
  /** Closes whatever is open and removes its files. */
  cleanup(): Promise<void>;
}

export interface StoreFactory {
  name: string;
  open(): Promise<StoreUnderTest>;
  /** Whether restart() is offered (a store that keeps nothing across processes has none). */
  durable: boolean;
}

const Q1 = '/\u0000q1';
const Q2 = '/\u0000q2';

/** What the store told the engine: stored() calls, and whether each ran inside run(). */
class RecordingEngine {
  depth = 0;
  stored: { queueKey: string; message: Message; ok: boolean; inRun: boolean }[] = [];
  run(fn: () => void): void {
    this.depth++;
    try {
      fn();
    } finally {
      this.depth--;
    }
  }
  storedCall(queueKey: string, message: Message, ok: boolean): void {
    this.stored.push({ queueKey, message, ok, inRun: this.depth > 0 });
  }
  attachTo(store: MessageStore): void {
    const engine: StoreEngine = {
      run: (fn) => this.run(fn),
      stored: (k, m, ok) => this.storedCall(k, m, ok),
    };
    store.attach?.(engine);
  }
}

/** Counts durable/failed callbacks per token, and whether they ran inside an engine entry point. */
class RecordingWaiter implements DurableWaiter {
  durableTokens: number[] = [];
  failedTokens: number[] = [];
  outsideRun = 0;
  constructor(private readonly engine: RecordingEngine) {}
  durable(token: number): void {
    this.durableTokens.push(token);
    if (this.engine.depth === 0) this.outsideRun++;
  }
  failed(token: number): void {
    this.failedTokens.push(token);
  }
}

function message(seq: number, body = `m${seq}`, headers: Record<string, number> = {}): Message {
  const m = new Message('x', 'rk', { deliveryMode: 2, messageId: `id-${seq}`, headers }, Buffer.from(body));
  m.seq = seq;
  return m;
}

const bodies = (ms: readonly Message[]): string[] => ms.map((m) => m.body.toString());

async function withStore(
  factory: StoreFactory,
  fn: (s: StoreUnderTest, engine: RecordingEngine) => Promise<void>,
) {
  const s = await factory.open();
  const engine = new RecordingEngine();
  engine.attachTo(s.store);
  try {
    await fn(s, engine);
  } finally {
    await s.cleanup();
  }
}

export function messageStoreSuite(factory: StoreFactory): void {
  const name = (what: string) => `${factory.name}: ${what}`;
  const noRestart = factory.durable ? false : 'keeps nothing across a restart';

  test(
    name(
      'every persist is durable at once or gets exactly one durable(token), inside an engine entry point, by the time sync() resolves',
    ),
    async () => {
      await withStore(factory, async (s, engine) => {
        const waiter = new RecordingWaiter(engine);
        const later: number[] = [];
        for (let seq = 1; seq <= 50; seq++) {
          const token = 1000 + seq;
          if (!s.store.persist(seq % 2 === 0 ? Q1 : Q2, seq, message(seq), waiter, token)) later.push(token);
        }
        await s.store.sync?.();
        assert.deepEqual(
          [...waiter.durableTokens].sort(),
          later.sort(),
          'one durable() per waiting persist, none for the others',
        );
        assert.deepEqual(waiter.failedTokens, []);
        assert.equal(waiter.outsideRun, 0, 'confirms run as an engine entry point');
      });
    },
  );

  test(
    name(
      'a persist that waits tells the engine its message is stored (ok), once, inside an engine entry point',
    ),
    async () => {
      await withStore(factory, async (s, engine) => {
        const waiting: Message[] = [];
        for (let seq = 1; seq <= 20; seq++) {
          const m = message(seq);
          if (!s.store.persist(Q1, seq, m, null, 0)) waiting.push(m);
        }
        await s.store.sync?.();
        assert.deepEqual(
          engine.stored.map((c) => c.message),
          waiting,
          'stored() once per waiting persist, in publish order',
        );
        assert.ok(engine.stored.every((c) => c.ok && c.inRun && c.queueKey === Q1));
      });
    },
  );

  test(name('removing or dropping what the store does not hold is a no-op'), async () => {
    await withStore(factory, async (s, engine) => {
      s.store.remove('/\u0000never', 1);
      s.store.dropQueue('/\u0000never');
      s.store.persist(Q1, 1, message(1), null, 0);
      s.store.remove(Q1, 99);
      s.store.remove(Q1, 1);
      s.store.remove(Q1, 1);
      s.store.beforeFirstDelivery?.(Q1, 1);
      s.store.delivered?.(Q1, 1);
      await s.store.sync?.();
      assert.ok(engine.stored.every((c) => c.ok));
    });
  });

  const pages = (s: StoreUnderTest): boolean =>
    s.store.pageThreshold !== undefined && s.store.readPagedSync !== undefined;

  test(
    name('page reads return the live messages from a seq on, in seq order, also before they are on disk'),
    async (t) => {
      await withStore(factory, async (s) => {
        if (!pages(s)) return t.skip('the store does not page');
        for (let seq = 1; seq <= 30; seq++)
          s.store.persist(Q1, seq, message(seq, `m${seq}`, { seq }), null, 0);
        s.store.persist(Q2, 1, message(1, 'other'), null, 0);
        s.store.remove(Q1, 3);
        const expected = Array.from({ length: 30 }, (_, i) => `m${i + 1}`).filter((b) => b !== 'm3');
        assert.deepEqual(
          bodies(s.store.readPagedSync!(Q1, 0, 1 << 20)),
          expected,
          'from memory before the write',
        );
        await s.store.sync?.();
        const fromDisk = s.store.readPagedSync!(Q1, 0, 1 << 20);
        assert.deepEqual(bodies(fromDisk), expected, 'from disk after the write');
        assert.deepEqual(fromDisk[4]!.properties, {
          deliveryMode: 2,
          messageId: 'id-6',
          headers: { seq: 6 },
        });
        assert.deepEqual(bodies(s.store.readPagedSync!(Q1, 25, 1 << 20)), [
          'm25',
          'm26',
          'm27',
          'm28',
          'm29',
          'm30',
        ]);
        const viaAsync = await new Promise<Message[]>((resolve, reject) =>
          s.store.readPaged!(Q1, 25, 1 << 20, (e, ms) =>
            e ? reject(e instanceof Error ? e : new Error('page read failed')) : resolve(ms),
          ),
        );
        assert.deepEqual(bodies(viaAsync), ['m25', 'm26', 'm27', 'm28', 'm29', 'm30']);
        assert.equal(s.store.removeFrom!(Q1, 25), 6);
        assert.deepEqual(bodies(s.store.readPagedSync!(Q1, 20, 1 << 20)), [
          'm20',
          'm21',
          'm22',
          'm23',
          'm24',
        ]);
        assert.deepEqual(bodies(s.store.readPagedSync!(Q2, 0, 1 << 20)), ['other']);
      });
    },
  );

  test(
    name(
      'a restart brings back exactly the persisted, unremoved messages of each queue, in seq order, with their properties',
    ),
    { skip: noRestart },
    async () => {
      await withStore(factory, async (s) => {
        for (let seq = 1; seq <= 10; seq++)
          s.store.persist(Q1, seq, message(seq, `a${seq}`, { seq }), null, 0);
        for (let seq = 1; seq <= 3; seq++) s.store.persist(Q2, seq, message(seq, `b${seq}`), null, 0);
        await s.store.sync?.();
        for (const seq of [1, 2, 7]) s.store.remove(Q1, seq);
        const r = await s.restart!([Q1, Q2]);
        const q1 = r.recovered(Q1);
        assert.deepEqual(bodies(q1), ['a3', 'a4', 'a5', 'a6', 'a8', 'a9', 'a10']);
        assert.deepEqual(
          q1.map((m) => m.seq),
          [3, 4, 5, 6, 8, 9, 10],
        );
        assert.deepEqual(q1[0]!.properties, { deliveryMode: 2, messageId: 'id-3', headers: { seq: 3 } });
        assert.ok(q1.every((m) => m.exchange === 'x' && m.routingKey === 'rk' && !m.redelivered));
        assert.deepEqual(bodies(r.recovered(Q2)), ['b1', 'b2', 'b3']);
      });
    },
  );

  test(
    name('a dropped queue, or one that no longer exists, comes back empty'),
    { skip: noRestart },
    async () => {
      await withStore(factory, async (s) => {
        for (let seq = 1; seq <= 5; seq++) s.store.persist(Q1, seq, message(seq), null, 0);
        for (let seq = 1; seq <= 5; seq++) s.store.persist(Q2, seq, message(seq), null, 0);
        await s.store.sync?.();
        s.store.dropQueue(Q1);
        const r = await s.restart!([Q2]);
        assert.deepEqual(r.recovered(Q1), []);
        const again = await s.restart!([Q1]);
        assert.deepEqual(again.recovered(Q2), [], 'a queue missing from the definitions is forgotten');
      });
    },
  );

  test(
    name('a delivered message comes back redelivered, an undelivered one does not'),
    { skip: noRestart },
    async () => {
      await withStore(factory, async (s) => {
        for (let seq = 1; seq <= 4; seq++) s.store.persist(Q1, seq, message(seq), null, 0);
        await s.store.sync?.();
        for (const seq of [1, 2]) {
          s.store.beforeFirstDelivery?.(Q1, seq);
          s.store.delivered?.(Q1, seq);
        }
        const r = await s.restart!([Q1]);
        assert.deepEqual(
          r.recovered(Q1).map((m) => [m.seq, m.redelivered]),
          [
            [1, true],
            [2, true],
            [3, false],
            [4, false],
          ],
        );
      });
    },
  );
}
