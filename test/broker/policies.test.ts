// Policies on the engine, driven by a ManualClock: a policy's expires starts the unused-queue
// countdown of an existing queue and clearing it stops that countdown; a lowered max-length
// drops the excess heads at once (drop-head); an exchange policy's alternate-exchange routes
// unroutable messages until cleared; restored policies come back before the queues do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validatePolicy } from '../../src/broker/policies.js';
import { publishAll, setup } from '../helpers/engine.js';

const policy = (name: string, pattern: string, definition: Record<string, unknown>, applyTo = 'all') =>
  validatePolicy('/', name, { pattern, definition, applyTo });

test('expires from a policy deletes an unused queue; clearing the policy stops the countdown', () => {
  const f = setup();
  const v = f.broker.vhost('/')!;
  f.ch.queueDeclare({ queue: 'kept' });
  f.ch.queueDeclare({ queue: 'gone' });
  v.setPolicy(policy('exp', '^(kept|gone)$', { expires: 1000 }));
  v.setPolicy(policy('exp-gone', '^gone$', { expires: 1000 }));
  f.clock.advance(500);
  v.clearPolicy('exp');
  f.clock.advance(2000);
  assert.equal(v.queues.has('kept'), true, 'cleared: the countdown stopped');
  assert.equal(v.queues.has('gone'), false, 'still under a policy with expires: deleted');
});

test('a lowered max-length drops the excess heads at once and dead-letters them', () => {
  const f = setup();
  const v = f.broker.vhost('/')!;
  f.ch.exchangeDeclare({ exchange: 'dlx', type: 'fanout' });
  f.ch.queueDeclare({ queue: 'dead' });
  f.ch.queueBind({ queue: 'dead', exchange: 'dlx', routingKey: '' });
  f.ch.queueDeclare({ queue: 'work' });
  publishAll(f.ch, 'work', ['a', 'b', 'c', 'd']);
  v.setPolicy(policy('cap', '^work$', { 'max-length': 1, 'dead-letter-exchange': 'dlx' }, 'queues'));
  assert.equal(v.queues.get('work')!.messageCount, 1);
  assert.equal(v.queues.get('dead')!.messageCount, 3);
  assert.equal(f.ch.basicGet('work', true)?.message.body.toString(), 'd');
});

test("an exchange policy's alternate-exchange applies until cleared; the argument wins over it", () => {
  const f = setup();
  const v = f.broker.vhost('/')!;
  f.ch.exchangeDeclare({ exchange: 'ae', type: 'fanout' });
  f.ch.exchangeDeclare({ exchange: 'ae2', type: 'fanout' });
  f.ch.queueDeclare({ queue: 'unrouted' });
  f.ch.queueDeclare({ queue: 'unrouted2' });
  f.ch.queueBind({ queue: 'unrouted', exchange: 'ae', routingKey: '' });
  f.ch.queueBind({ queue: 'unrouted2', exchange: 'ae2', routingKey: '' });
  f.ch.exchangeDeclare({ exchange: 'in', type: 'direct' });
  f.ch.exchangeDeclare({ exchange: 'in-arg', type: 'direct', arguments: { 'alternate-exchange': 'ae2' } });
  v.setPolicy(policy('ae', '^in', { 'alternate-exchange': 'ae' }, 'exchanges'));
  f.ch.basicPublish('in', 'nowhere', false, false, {}, Buffer.from('1'));
  f.ch.basicPublish('in-arg', 'nowhere', false, false, {}, Buffer.from('2'));
  assert.equal(v.queues.get('unrouted')!.messageCount, 1);
  assert.equal(v.queues.get('unrouted2')!.messageCount, 1, 'the argument wins');
  v.clearPolicy('ae');
  f.ch.basicPublish('in', 'nowhere', false, false, {}, Buffer.from('3'));
  assert.equal(v.queues.get('unrouted')!.messageCount, 1, 'cleared: dropped as unroutable');
});
