// Shared fixtures for the store tests: temp data dirs (removed by the caller in finally),
// a persistent broker with one recording channel, and small waits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/broker.js';
import type { OpenBrokerOptions } from '../../../src/broker/broker.js';
import type { EngineChannel } from '../../../src/broker/channel/channel.js';
import type { FileStore } from '../../../src/broker/store/file-store.js';
import { RecordingSink } from '../../helpers/engine.js';

export const PERSISTENT = { deliveryMode: 2 } as const;

export function tempDir(prefix = 'warren-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface Open {
  broker: Broker;
  store: FileStore;
  ch: EngineChannel;
  sink: RecordingSink;
  channel(): { ch: EngineChannel; sink: RecordingSink };
}

export async function openBroker(dir: string, options: OpenBrokerOptions = {}): Promise<Open> {
  const warnings: string[] = [];
  const broker = await Broker.open(dir, {
    consumerTimeout: 0,
    onWarning: (t) => warnings.push(t),
    ...options,
  });
  const conn = broker.connect();
  let next = 1;
  const channel = () => {
    const sink = new RecordingSink();
    return { ch: conn.openChannel(next++, sink), sink };
  };
  const first = channel();
  return { broker, store: broker.store as FileStore, ...first, channel };
}

export async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}
