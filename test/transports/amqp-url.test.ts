// AMQP URLs as the client reads them (src/transports/amqp/amqp-url.ts): amqplib's and the
// RabbitMQ URI spec's defaults, the vhost from the path, tune values from the query, and a
// clear TypeError for what is not an AMQP URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAmqpUrl } from '../../src/transports/amqp/amqp-url.js';

test('defaults: guest login, port 5672 (5671 for amqps), vhost "/" without a path', () => {
  assert.deepEqual(parseAmqpUrl('amqp://broker'), {
    tls: false,
    host: 'broker',
    port: 5672,
    username: 'guest',
    password: 'guest',
    vhost: '/',
    heartbeat: undefined,
    frameMax: undefined,
    channelMax: undefined,
  });
  const tls = parseAmqpUrl('amqps://broker');
  assert.deepEqual([tls.tls, tls.port], [true, 5671]);
});

test('user, password and vhost are percent-decoded; tune values come from the query', () => {
  const u = parseAmqpUrl(
    'amqp://us%40er:p%3Ass@127.0.0.1:5673/%2Fprod?heartbeat=5&frameMax=8192&channelMax=16',
  );
  assert.deepEqual(
    [u.username, u.password, u.host, u.port, u.vhost, u.heartbeat, u.frameMax, u.channelMax],
    ['us@er', 'p:ss', '127.0.0.1', 5673, '/prod', 5, 8192, 16],
  );
  assert.equal(parseAmqpUrl('amqp://h/other').vhost, 'other');
  assert.equal(parseAmqpUrl('amqp://[::1]:5672').host, '::1');
});

test('what is not an AMQP URL is a TypeError naming the problem', () => {
  assert.throws(() => parseAmqpUrl('not a url'), TypeError);
  assert.throws(() => parseAmqpUrl('http://broker'), /amqp:\/\/ or amqps:\/\//);
  assert.throws(() => parseAmqpUrl('amqp://broker?heartbeat=soon'), /heartbeat/);
});
