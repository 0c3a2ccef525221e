import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FieldTable } from '../../src/protocol/field-value.js';
import { publishAll, setup, text } from '../helpers/engine.js';

function dlxFixture(args: FieldTable) {
  const f = setup();
  f.ch.exchangeDeclare({ exchange: 'dlx', type: 'fanout' });
  f.ch.queueDeclare({ queue: 'dead' });
  f.ch.queueBind({ queue: 'dead', exchange: 'dlx' });
  f.ch.queueDeclare({ queue: 'work', arguments: { 'x-dead-letter-exchange': 'dlx', ...args } });
  return f;
}

test('rejected: x-death entry, first/last death headers, delivered via the DLX', () => {
  const f = dlxFixture({});
  f.ch.basicPublish('', 'work', false, false, { headers: { CC: ['cc'] } }, text('m'));
  const g = f.ch.basicGet('work', false)!;
  f.ch.basicReject(g.deliveryTag, false);
  const d = f.ch.basicGet('dead', true)!;
  assert.equal(d.exchange, 'dlx');
  assert.equal(d.routingKey, 'work');
  const h = d.message.properties.headers!;
  const death = (h['x-death'] as FieldTable[])[0]!;
  assert.equal(death['count'], 1);
  assert.equal(death['reason'], 'rejected');
  assert.equal(death['queue'], 'work');
  assert.equal(death['exchange'], '');
  assert.deepEqual(death['routing-keys'], ['work', 'cc']);
  assert.ok(death['time'] instanceof Date);
  assert.equal(h['x-first-death-reason'], 'rejected');
  assert.equal(h['x-first-death-queue'], 'work');
  assert.equal(h['x-first-death-exchange'], '');
  assert.equal(h['x-last-death-reason'], 'rejected');
});

test('expired with per-message TTL keeps original-expiration; dead-letter routing key override', () => {
  const f = dlxFixture({ 'x-dead-letter-routing-key': 'rk' });
  f.ch.basicPublish('', 'work', false, false, { expiration: '50' }, text('m'));
  f.clock.advance(60);
  const d = f.ch.basicGet('dead', true)!;
  assert.equal(d.routingKey, 'rk');
  assert.equal(d.message.properties.expiration, undefined);
  const death = (d.message.properties.headers!['x-death'] as FieldTable[])[0]!;
  assert.equal(death['reason'], 'expired');
  assert.equal(death['original-expiration'], '50');
});

test('same queue and reason again increments count; cycles without rejection are dropped', () => {
  const f = setup();
  f.ch.exchangeDeclare({ exchange: 'dlx', type: 'fanout' });
  f.ch.queueDeclare({ queue: 'a', arguments: { 'x-dead-letter-exchange': 'dlx' } });
  f.ch.queueBind({ queue: 'a', exchange: 'dlx' });
  publishAll(f.ch, 'a', ['m']);
  for (let i = 0; i < 2; i++) {
    const g = f.ch.basicGet('a', false)!;
    f.ch.basicNack(g.deliveryTag, false, false);
  }
  const g = f.ch.basicGet('a', true)!;
  const deaths = g.message.properties.headers!['x-death'] as FieldTable[];
  assert.equal(deaths.length, 1);
  assert.equal(deaths[0]!['count'], 2);
  const f2 = setup();
  f2.ch.exchangeDeclare({ exchange: 'dlx', type: 'fanout' });
  f2.ch.queueDeclare({ queue: 'a', arguments: { 'x-dead-letter-exchange': 'dlx', 'x-message-ttl': 10 } });
  f2.ch.queueBind({ queue: 'a', exchange: 'dlx' });
  publishAll(f2.ch, 'a', ['m']);
  f2.clock.advance(20);
  assert.equal(f2.ch.queueDeclare({ queue: 'a', passive: true }).messageCount, 0);
});

test('maxlen dead-letters the dropped head', () => {
  const f = dlxFixture({ 'x-max-length': 1 });
  publishAll(f.ch, 'work', ['1', '2']);
  const d = f.ch.basicGet('dead', true)!;
  assert.equal(d.message.body.toString(), '1');
  assert.equal((d.message.properties.headers!['x-death'] as FieldTable[])[0]!['reason'], 'maxlen');
});
