import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setup, text } from '../helpers/engine.js';

test('x-max-priority: higher first, FIFO within a priority, capped at the maximum', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-max-priority': 5 } });
  const sends: [string, number | undefined][] = [
    ['a', 1],
    ['b', undefined],
    ['c', 9],
    ['d', 5],
    ['e', 1],
  ];
  for (const [b, p] of sends)
    f.ch.basicPublish('', 'q', false, false, p === undefined ? {} : { priority: p }, text(b));
  const out: string[] = [];
  for (let g = f.ch.basicGet('q', true); g !== null; g = f.ch.basicGet('q', true))
    out.push(g.message.body.toString());
  assert.deepEqual(out, ['c', 'd', 'a', 'e', 'b']);
});

test('without x-max-priority the priority property is ignored', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.basicPublish('', 'q', false, false, { priority: 1 }, text('a'));
  f.ch.basicPublish('', 'q', false, false, { priority: 9 }, text('b'));
  assert.equal(f.ch.basicGet('q', true)?.message.body.toString(), 'a');
});

test('requeued messages go back to their place within their priority', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-max-priority': 2 } });
  f.ch.basicPublish('', 'q', false, false, { priority: 2 }, text('h1'));
  f.ch.basicPublish('', 'q', false, false, { priority: 2 }, text('h2'));
  const g = f.ch.basicGet('q', false)!;
  f.ch.basicNack(g.deliveryTag, false, true);
  assert.equal(f.ch.basicGet('q', true)?.message.body.toString(), 'h1');
});
