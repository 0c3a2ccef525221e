import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AmqpError } from '../../src/protocol/errors.js';
import { publishAll, setup, text } from '../helpers/engine.js';

test('tx: publishes are held until commit, dropped on rollback', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  f.ch.txSelect();
  f.ch.basicPublish('', 'q', false, false, {}, text('a'));
  assert.equal(f.ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 0);
  f.ch.txCommit();
  assert.equal(f.ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 1);
  f.ch.basicPublish('', 'q', false, false, {}, text('b'));
  f.ch.txRollback();
  assert.equal(f.ch.queueDeclare({ queue: 'q', passive: true }).messageCount, 1);
});

test('tx: acks are applied on commit; rollback leaves them unacked', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'q' });
  publishAll(f.ch, 'q', ['a', 'b']);
  const c = f.channel();
  c.ch.txSelect();
  const g1 = c.ch.basicGet('q', false)!;
  const g2 = c.ch.basicGet('q', false)!;
  c.ch.basicAck(g1.deliveryTag, false);
  c.ch.txRollback();
  c.ch.basicAck(g2.deliveryTag, false);
  c.ch.txCommit();
  c.ch.close();
  assert.deepEqual(f.ch.basicGet('q', true)?.message.body.toString(), 'a');
  assert.equal(f.ch.basicGet('q', true), null);
});

test('tx.commit / tx.rollback without tx.select: 406 "channel is not transactional"', () => {
  const f = setup();
  assert.throws(
    () => f.ch.txCommit(),
    (e: AmqpError) => e.replyText === 'PRECONDITION_FAILED - channel is not transactional',
  );
  assert.throws(() => f.channel().ch.txRollback(), { replyCode: 406 });
});
