// The embedded transport (Warren.start({ dataDir })) resolves a durable declaration only once
// it is in definitions.json on disk, as the TCP server answers declare-ok: read the file the
// moment the promise resolves, before any other turn of the event loop could save it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/broker.js';
import { EmbeddedTransport } from '../../../src/transports/embedded/embedded-transport.js';
import { removeDir, tempDir } from './helpers.js';

const onDisk = (dir: string): string => readFileSync(join(dir, 'definitions.json'), 'utf8');

test('embedded transport: assertQueue / assertExchange / bindQueue resolve after the definitions are on disk', async () => {
  const dir = tempDir('warren-embedded-decl-');
  const broker = await Broker.open(dir, { consumerTimeout: 0, onWarning: () => undefined });
  const transport = new EmbeddedTransport({ broker });
  try {
    await transport.connect();
    const ch = await transport.createChannel();
    await ch.assertQueue('embedded-durable-q', { durable: true });
    assert.match(onDisk(dir), /embedded-durable-q/);
    await ch.assertExchange('embedded-durable-x', 'topic', { durable: true });
    assert.match(onDisk(dir), /embedded-durable-x/);
    await ch.bindQueue('embedded-durable-q', 'embedded-durable-x', 'bound.key');
    assert.match(onDisk(dir), /bound\.key/);
    await ch.deleteQueue('embedded-durable-q');
    assert.doesNotMatch(onDisk(dir), /embedded-durable-q/);
  } finally {
    await transport.close();
    await broker.shutdown();
    removeDir(dir);
  }
});
