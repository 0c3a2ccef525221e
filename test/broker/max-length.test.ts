import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publishAll, setup } from '../helpers/engine.js';

const bodies = (f: ReturnType<typeof setup>, q: string) => {
  const out: string[] = [];
  for (let g = f.ch.basicGet(q, true); g !== null; g = f.ch.basicGet(q, true))
    out.push(g.message.body.toString());
  return out;
};

test('x-max-length drop-head keeps the newest', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-max-length': 2 } });
  publishAll(f.ch, 'q', ['1', '2', '3']);
  assert.deepEqual(bodies(f, 'q'), ['2', '3']);
});

test('x-max-length-bytes counts body bytes', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-max-length-bytes': 5 } });
  publishAll(f.ch, 'q', ['aaa', 'bbb', 'c']);
  assert.deepEqual(bodies(f, 'q'), ['bbb', 'c']);
});

test('reject-publish drops new messages silently without confirms; reject-publish-dlx dead-letters them', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q', arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
  publishAll(f.ch, 'q', ['1', '2']);
  assert.deepEqual(bodies(f, 'q'), ['1']);
  f.ch.exchangeDeclare({ exchange: 'dlx', type: 'fanout' });
  f.ch.queueDeclare({ queue: 'dead' });
  f.ch.queueBind({ queue: 'dead', exchange: 'dlx' });
  f.ch.queueDeclare({
    queue: 'r',
    arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish-dlx', 'x-dead-letter-exchange': 'dlx' },
  });
  publishAll(f.ch, 'r', ['1', '2']);
  assert.deepEqual(bodies(f, 'r'), ['1']);
  assert.deepEqual(bodies(f, 'dead'), ['2']);
});
