/**
 * Picks the app's job store from its options: a store instance as given; a postgres:// URL
 * opens the PostgreSQL store; otherwise the zero-config default, a file store in the embedded
 * broker's data dir, or an in-memory store shared by every app on the same in-process broker
 * (so apps on one embedded broker see each other's jobs, as apps on one database do).
 */
import { join } from 'node:path';
import { FileJobStore } from './file-job-store.js';
import type { JobStore, RetentionOptions } from './job-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import { PostgresJobStore } from './postgres-job-store.js';

export interface JobStoreChoice {
  /** A store, or a database URL (postgres://, postgresql://). */
  store?: JobStore | string;
  retention?: RetentionOptions;
}

const sharedMemoryStores = new WeakMap<object, MemoryJobStore>();

/** The store and whether the app owns it (closes it on close()). */
export async function openJobStore(
  choice: JobStoreChoice,
  where: { dataDir?: string; broker?: object },
): Promise<{ store: JobStore; owned: boolean }> {
  const { store, retention } = choice;
  if (typeof store === 'object') return { store, owned: false };
  if (typeof store === 'string') {
    if (!/^postgres(ql)?:\/\//.test(store))
      throw new TypeError(`unsupported job store URL (want postgres://…): ${store}`);
    return { store: await PostgresJobStore.open({ url: store, retention }), owned: true };
  }
  if (where.dataDir !== undefined)
    return { store: FileJobStore.open(join(where.dataDir, 'jobs'), retention), owned: true };
  if (where.broker === undefined) return { store: new MemoryJobStore({ retention }), owned: true };
  let shared = sharedMemoryStores.get(where.broker);
  if (!shared) sharedMemoryStores.set(where.broker, (shared = new MemoryJobStore({ retention })));
  return { store: shared, owned: false };
}
