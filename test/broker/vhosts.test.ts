import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker } from '../../src/broker/broker.js';
import { RecordingSink } from '../helpers/engine.js';

test('vhosts have separate exchanges, queues and bindings; unknown vhost is 530', () => {
  const broker = new Broker();
  broker.addVhost('other');
  const a = broker.connect({ vhost: '/' }).openChannel(1, new RecordingSink());
  const b = broker.connect({ vhost: 'other' }).openChannel(1, new RecordingSink());
  a.queueDeclare({ queue: 'q' });
  b.queueDeclare({ queue: 'q' });
  a.exchangeDeclare({ exchange: 'x', type: 'fanout' });
  assert.throws(() => b.exchangeDeclare({ exchange: 'x', passive: true }), { replyCode: 404 });
  a.basicPublish('', 'q', false, false, {}, Buffer.from('m'));
  assert.equal(a.queueDeclare({ queue: 'q', passive: true }).messageCount, 1);
  const b2 = broker.connect({ vhost: 'other' }).openChannel(1, new RecordingSink());
  assert.equal(b2.queueDeclare({ queue: 'q', passive: true }).messageCount, 0);
  assert.throws(() => broker.connect({ vhost: 'nope' }), { replyCode: 530 });
});

test('deleting a vhost closes its connections and drops its queues', () => {
  const broker = new Broker();
  broker.addVhost('v');
  const conn = broker.connect({ vhost: 'v' });
  conn.openChannel(1, new RecordingSink()).queueDeclare({ queue: 'q' });
  assert.equal(broker.deleteVhost('v'), true);
  assert.equal(conn.open, false);
  assert.equal(conn.closeReason?.replyCode, 320);
  assert.equal(broker.vhost('v'), undefined);
});
