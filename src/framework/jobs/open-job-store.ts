/**
 * Picks the app's job store from its options: a store instance as given; a postgres:// URL
 * opens the PostgreSQL store, a redis:// (rediss://) URL the Redis store; otherwise the zero-config default, a file store in the embedded
 * broker's data dir, or an in-memory store shared by every app on the same in-process broker
 * (so apps on one embedded broker see each other's jobs, as apps on one database do).
 */
import { join } from 'node:path';
import { FileJobStore } from './file-job-store.js';
import type { JobStore, RetentionOptions } from './job-store.js';
import { MemoryJobStore } from './memory-job-store.js';
import { PostgresJobStore } from './postgres-job-store.js';
import { RedisJobStore } from './redis-job-store.js';

export interface JobStoreChoice {
  /** A store, or a database URL (postgres://, postgresql://, redis://, rediss://). */
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
  if (typeof store === 'string') return { store: await openByUrl(store, retention), owned: true };
  if (where.dataDir !== undefined)
    return { store: FileJobStore.open(join(where.dataDir, 'jobs'), retention), owned: true };
  if (where.broker === undefined) return { store: new MemoryJobStore({ retention }), owned: true };
  let shared = sharedMemoryStores.get(where.broker);
  if (!shared) sharedMemoryStores.set(where.broker, (shared = new MemoryJobStore({ retention })));
  return { store: shared, owned: false };
}

/** The database store a URL names. */
function openByUrl(url: string, retention: RetentionOptions | undefined): Promise<JobStore> {
  if (/^postgres(ql)?:\/\//.test(url)) return PostgresJobStore.open({ url, retention });
  if (/^rediss?:\/\//.test(url)) return RedisJobStore.open({ url, retention });
  throw new TypeError(`unsupported job store URL (want postgres://… or redis://…): ${url}`);
}
