// The MessageStore conformance suite on FileStore (a data dir's message log), restarted by
// closing it and opening the data dir again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDataDir } from '../../../src/broker/store/data-dir.js';
import type { DataDirStores } from '../../../src/broker/store/data-dir.js';
import { messageStoreSuite } from './message-store.suite.js';
import type { StoreUnderTest } from './message-store.suite.js';

function open(dir: string): DataDirStores {
  return openDataDir(dir, { diskFreeLimit: 0, onWarning: () => undefined });
}

async function close(stores: DataDirStores): Promise<void> {
  await stores.definitions.close();
  await stores.messages.close();
}

messageStoreSuite({
  name: 'FileStore',
  durable: true,
  open: () => {
    const dir = mkdtempSync(join(tmpdir(), 'warren-store-suite-'));
    let current = open(dir);
    const s: StoreUnderTest = {
      store: current.messages,
      async restart(known) {
        await close(current);
        current = open(dir);
        current.messages.adoptQueues(new Set(known));
        s.store = current.messages;
        const messages = current.messages;
        return { store: messages, recovered: (key) => messages.readPagedSync(key, 0, Infinity) };
      },
      async cleanup() {
        await close(current);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return Promise.resolve(s);
  },
});
