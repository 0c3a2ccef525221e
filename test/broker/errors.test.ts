import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChannelError, ConnectionError } from '../../src/protocol/errors.js';
import { setup } from '../helpers/engine.js';

test('errors are typed: scope, reply code, text and the failing method ids', () => {
  const f = setup();
  try {
    f.ch.queueBind({ queue: 'missing', exchange: 'amq.direct' });
    assert.fail();
  } catch (e) {
    assert.ok(e instanceof ChannelError);
    assert.equal(e.scope, 'channel');
    assert.deepEqual([e.replyCode, e.classId, e.methodId], [404, 50, 20]);
  }
  const ch = f.channel().ch;
  try {
    ch.basicConsume({ queue: 'q', consumerTag: 'x' });
  } catch {
    /* 404 closes ch */
  }
  const ch2 = f.channel().ch;
  ch2.queueDeclare({ queue: 'q' });
  ch2.basicConsume({ queue: 'q', consumerTag: 'x' });
  try {
    ch2.basicConsume({ queue: 'q', consumerTag: 'x' });
    assert.fail();
  } catch (e) {
    assert.ok(e instanceof ConnectionError);
    assert.deepEqual([e.replyCode, e.classId, e.methodId], [530, 60, 20]);
  }
});

test('a channel closed by an error rejects further calls; opening an open channel id is 504', () => {
  const f = setup();
  assert.throws(() => f.ch.queueDeclare({ queue: 'x', passive: true }));
  assert.throws(() => f.ch.queueDeclare({ queue: 'y' }), { replyCode: 504 });
  const f2 = setup();
  assert.throws(() => f2.conn.openChannel(1, f2.sink), { replyCode: 504 });
});
