// TopicRouter: word splitting as RabbitMQ does it (empty words are words; "" has none),
// "*" = exactly one word, "#" = zero or more, checked by hand-picked cases and by
// fast-check against an independent recursive matcher.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TopicRouter, topicWords, validateTopicBindingKey } from '../../src/broker/exchange/topic.js';
import { ChannelError, ReplyCode } from '../../src/protocol/errors.js';

/** Reference: does `pattern` (binding key words) match `key` (routing key words)? */
function refMatch(pattern: readonly string[], key: readonly string[]): boolean {
  const memo = new Map<string, boolean>();
  const go = (p: number, k: number): boolean => {
    const id = `${p}:${k}`;
    const known = memo.get(id);
    if (known !== undefined) return known;
    let result: boolean;
    if (p === pattern.length) result = k === key.length;
    else if (pattern[p] === '#') result = go(p + 1, k) || (k < key.length && go(p, k + 1));
    else result = k < key.length && (pattern[p] === '*' || pattern[p] === key[k]) && go(p + 1, k + 1);
    memo.set(id, result);
    return result;
  };
  return go(0, 0);
}

const split = (s: string): string[] => (s === '' ? [] : s.split('.'));

function routed(r: TopicRouter<string>, key: string): Set<string> {
  const out = new Set<string>();
  r.route(key, undefined, out);
  return out;
}

function routerWith(patterns: readonly string[]): TopicRouter<string> {
  const r = new TopicRouter<string>();
  for (const p of patterns) r.bind(p, p, {});
  return r;
}

describe('topicWords', () => {
  it('splits like RabbitMQ: "" has no words, empty words are kept', () => {
    assert.deepEqual(topicWords(''), []);
    assert.deepEqual(topicWords('a'), ['a']);
    assert.deepEqual(topicWords('.'), ['', '']);
    assert.deepEqual(topicWords('a..b'), ['a', '', 'b']);
    assert.deepEqual(topicWords('a.'), ['a', '']);
    assert.deepEqual(topicWords('.a'), ['', 'a']);
  });
});

describe('TopicRouter', () => {
  const patterns = [
    '#',
    '#.#',
    '*',
    '*.*',
    'a.#.b',
    'a..b',
    '',
    '.',
    '#.a',
    'a.*.#',
    'a.#',
    'a',
    'a.*',
    '*.b',
  ];
  const table: [string, string[]][] = [
    ['', ['#', '#.#', '']],
    ['a', ['#', '#.#', '*', '#.a', 'a.#', 'a']],
    ['b', ['#', '#.#', '*']],
    ['a.b', ['#', '#.#', '*.*', 'a.#.b', 'a.*.#', 'a.#', 'a.*', '*.b']],
    ['a..b', ['#', '#.#', 'a.#.b', 'a..b', 'a.*.#', 'a.#']],
    ['a.x.y.b', ['#', '#.#', 'a.#.b', 'a.*.#', 'a.#']],
    ['.', ['#', '#.#', '*.*', '.']],
    ['a.', ['#', '#.#', '*.*', 'a.*.#', 'a.#', 'a.*']],
    ['.a', ['#', '#.#', '*.*', '#.a']],
    ['x.a', ['#', '#.#', '*.*', '#.a']],
    ['a.a', ['#', '#.#', '*.*', '#.a', 'a.*.#', 'a.#', 'a.*']],
    ['b.a.b', ['#', '#.#']],
  ];
  for (const [key, expected] of table) {
    it(`routes ${JSON.stringify(key)}`, () => {
      assert.deepEqual([...routed(routerWith(patterns), key)].sort(), [...expected].sort());
    });
  }

  it('treats "*" and "#" as wildcards only when they are whole words', () => {
    const r = routerWith(['a*', '#b', 'a.b*c']);
    assert.deepEqual(routed(r, 'a*'), new Set(['a*']));
    assert.deepEqual(routed(r, 'ax'), new Set());
    assert.deepEqual(routed(r, '#b'), new Set(['#b']));
    assert.deepEqual(routed(r, 'x.b'), new Set());
    assert.deepEqual(routed(r, 'a.b*c'), new Set(['a.b*c']));
  });

  it('matches a literal "*" or "#" in a routing key as an ordinary word', () => {
    const r = routerWith(['a.*', 'a.x']);
    assert.deepEqual(routed(r, 'a.*'), new Set(['a.*']));
    assert.deepEqual(routed(r, 'a.#'), new Set(['a.*']));
  });

  it('handles keys of 255 bytes and 128 words', () => {
    const long = 'w'.repeat(255);
    const words = Array.from({ length: 128 }, () => 'a').join('.');
    const r = routerWith([long, '#', '#.a', 'a.#.a.#.a', `${'*.'.repeat(127)}*`]);
    assert.deepEqual(routed(r, long), new Set([long, '#']));
    assert.equal(Buffer.byteLength(words), 255);
    assert.deepEqual(routed(r, words), new Set(['#', '#.a', 'a.#.a.#.a', `${'*.'.repeat(127)}*`]));
  });

  it('stays fast on many "#" words (states are deduplicated)', () => {
    const hashes = Array.from({ length: 60 }, () => '#').join('.');
    const r = routerWith([hashes, `${hashes}.z`, `a.${hashes}.b.${hashes}.c`]);
    const key = Array.from({ length: 120 }, (_, i) => (i % 2 ? 'a' : 'b')).join('.');
    const started = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) assert.deepEqual(routed(r, key), new Set([hashes]));
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.ok(ms < 2000, `200 routes took ${ms} ms`);
  });

  it('counts, refuses duplicates, unbinds and prunes', () => {
    const r = new TopicRouter<string>();
    assert.equal(r.bind('q', 'a.*', {}), true);
    assert.equal(r.bind('q', 'a.*', {}), false);
    assert.equal(r.bind('q', 'a.*', { x: 1 }), true);
    assert.equal(r.bind('p', 'a.*', {}), true);
    assert.equal(r.size, 3);
    assert.equal(r.unbind('q', 'a.*', {}), true);
    assert.deepEqual(routed(r, 'a.b'), new Set(['q', 'p']), 'q still bound with {x: 1}');
    assert.equal(r.unbind('q', 'a.*', { x: 1 }), true);
    assert.equal(r.unbind('p', 'a.*', {}), true);
    assert.equal(r.unbind('p', 'a.*', {}), false);
    assert.deepEqual(routed(r, 'a.b'), new Set());
    assert.equal(r.size, 0);
    assert.equal(r.bind('q', 'a.*', {}), true, 'a pruned path can be rebuilt');
    assert.deepEqual(routed(r, 'a.b'), new Set(['q']));
  });

  it('unbindAll removes one destination and leaves shared keys to the others', () => {
    const r = new TopicRouter<string>();
    r.bind('q', '#', {});
    r.bind('q', 'a.b', {});
    r.bind('p', 'a.b', {});
    assert.equal(r.unbindAll('q'), 2);
    assert.deepEqual(routed(r, 'a.b'), new Set(['p']));
    assert.deepEqual(routed(r, 'x'), new Set());
    assert.deepEqual([...r.bindings()], [{ destination: 'p', routingKey: 'a.b', arguments: {} }]);
  });

  it('accepts any number of "#" by default; can cap them like RabbitMQ main', () => {
    assert.equal(new TopicRouter<string>().bind('q', '#.#.#.#.a', {}), true);
    const capped = new TopicRouter<string>({ maxHashWildcards: 2 });
    assert.equal(capped.bind('q', '#.a.#', {}), true);
    assert.throws(
      () => capped.bind('q', '#.a.#.#', {}),
      (e: unknown) =>
        e instanceof ChannelError &&
        e.replyCode === ReplyCode.PRECONDITION_FAILED &&
        e.replyText ===
          "PRECONDITION_FAILED - Topic binding key '#.a.#.#' uses 3 '#' wildcards, at most 2 are allowed",
    );
    assert.equal(capped.size, 1);
    assert.doesNotThrow(() => validateTopicBindingKey('a#.#b.#', 1), '"a#" is not a wildcard');
  });
});

const word = fc.constantFrom('a', 'b', '', 'ab', '*', '#');
const keyWord = fc.constantFrom('a', 'b', '', 'ab', 'c');
const pattern = fc.array(word, { maxLength: 5 }).map((ws) => ws.join('.'));
const routingKey = fc.array(keyWord, { maxLength: 6 }).map((ws) => ws.join('.'));

describe('TopicRouter properties', () => {
  it('routes exactly like the reference matcher', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(pattern, { maxLength: 25 }),
        fc.array(routingKey, { maxLength: 10 }),
        (ps, keys) => {
          const r = routerWith(ps);
          for (const key of keys) {
            const expected = ps.filter((p) => refMatch(split(p), split(key)));
            assert.deepEqual([...routed(r, key)].sort(), expected.sort(), `key ${JSON.stringify(key)}`);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('agrees with a model after random binds and unbinds', () => {
    const op = fc.record({ bind: fc.boolean(), dest: fc.constantFrom('q1', 'q2', 'q3'), key: pattern });
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 40 }),
        fc.array(routingKey, { minLength: 1, maxLength: 8 }),
        (ops, keys) => {
          const r = new TopicRouter<string>();
          const model = new Set<string>();
          for (const { bind, dest, key } of ops) {
            const id = JSON.stringify([dest, key]);
            const changed = bind ? r.bind(dest, key, {}) : r.unbind(dest, key, {});
            assert.equal(changed, bind ? !model.has(id) : model.has(id));
            if (bind) model.add(id);
            else model.delete(id);
          }
          assert.equal(r.size, model.size);
          for (const key of keys) {
            const expected = new Set<string>();
            for (const id of model) {
              const [dest, p] = JSON.parse(id) as [string, string];
              if (refMatch(split(p), split(key))) expected.add(dest);
            }
            assert.deepEqual(routed(r, key), expected);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
