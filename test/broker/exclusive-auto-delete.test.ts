import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AmqpError } from '../../src/protocol/errors.js';
import { codeOf, setup } from '../helpers/engine.js';

test('exclusive queues: 405 with RabbitMQ text for other connections, deleted with their connection', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'ex', exclusive: true });
  const other = f.connection();
  try {
    other.ch.queueDeclare({ queue: 'ex', passive: true });
    assert.fail();
  } catch (e) {
    assert.equal(
      (e as AmqpError).replyText,
      "RESOURCE_LOCKED - cannot obtain exclusive access to locked queue 'ex' in vhost '/'. It could be originally declared on another connection or the exclusive property value does not match that of the original declaration.",
    );
  }
  const o2 = other.conn.openChannel(2, other.sink);
  assert.equal(
    codeOf(() => o2.basicConsume({ queue: 'ex' })),
    405,
  );
  other.conn
    .openChannel(4, other.sink)
    .basicPublish('', 'ex', false, false, {}, Buffer.from('publishing is allowed'));
  assert.equal(f.ch.queueDeclare({ queue: 'ex', passive: true }).messageCount, 1);
  assert.equal(
    codeOf(() => f.channel().ch.queueDeclare({ queue: 'ex' })),
    405,
  );
  f.conn.close();
  const o3 = other.conn.openChannel(3, other.sink);
  assert.equal(
    codeOf(() => o3.queueDeclare({ queue: 'ex', passive: true })),
    404,
  );
});

test('auto-delete queue: deleted when the last consumer goes, never if it never had one', () => {
  const f = setup();
  f.ch.queueDeclare({ queue: 'ad', autoDelete: true });
  f.ch.queueDeclare({ queue: 'ad', autoDelete: true, passive: true });
  const c = f.channel();
  const t1 = c.ch.basicConsume({ queue: 'ad' });
  const t2 = c.ch.basicConsume({ queue: 'ad' });
  c.ch.basicCancel(t1);
  f.ch.queueDeclare({ queue: 'ad', passive: true });
  c.ch.basicCancel(t2);
  assert.equal(
    codeOf(() => f.ch.queueDeclare({ queue: 'ad', passive: true })),
    404,
  );
});
