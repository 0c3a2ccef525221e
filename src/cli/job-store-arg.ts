/**
 * Opens the job store a command names: a postgres:// or redis:// URL (the database apps share),
 * or an app's data dir, whose file store another process owns: read only, and read again when
 * its log changed, so a long-running reader (`warren broker --jobs`) stays current.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { JobStore } from '../framework/index.js';
import { FileJobStore, PostgresJobStore, RedisJobStore } from '../framework/index.js';
import { UserError } from './command.js';

export interface JobStoreArgOptions {
  /** PostgreSQL table (default warren_jobs). */
  table?: string;
  /** Redis key prefix (default warren:{jobs}:). */
  prefix?: string;
  /** PostgreSQL pool size. */
  maxConnections?: number;
}

/** Whether the store can be written through (a database) or is a read-only file view. */
export async function openJobStoreArg(
  spec: string,
  options: JobStoreArgOptions = {},
): Promise<{ store: JobStore; writable: boolean }> {
  try {
    if (/^postgres(ql)?:\/\//.test(spec)) {
      const store = await PostgresJobStore.open({
        url: spec,
        table: options.table,
        maxConnections: options.maxConnections,
      });
      return { store, writable: true };
    }
    if (/^rediss?:\/\//.test(spec))
      return { store: await RedisJobStore.open({ url: spec, prefix: options.prefix }), writable: true };
  } catch (err) {
    throw new UserError(`cannot open job store ${spec}: ${(err as Error).message}`, 1, { cause: err });
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec))
    throw new UserError(`unsupported job store URL (want postgres://… or redis://…): ${spec}`, 2);
  return { store: fileView(join(spec, 'jobs')), writable: false };
}

/** The file store in `dir`, replayed again on a read after its log changed size or time. */
function fileView(dir: string): JobStore {
  let stamp = '';
  let store = FileJobStore.read(dir);
  const current = (): FileJobStore => {
    const now = logStamp(dir);
    if (now !== stamp) {
      stamp = now;
      store = FileJobStore.read(dir);
    }
    return store;
  };
  current();
  return {
    create: (r, w) => current().create(r, w),
    get: (id) => current().get(id),
    update: (id, p, f, a) => current().update(id, p, f, a),
    list: (q) => current().list(q),
    tasks: () => current().tasks(),
    counts: (t) => current().counts(t),
    delete: (id) => current().delete(id),
    acquire: (k, m, p) => current().acquire(k, m, p),
    setPaused: (t, p) => current().setPaused(t, p),
    pausedTasks: () => current().pausedTasks(),
    prune: () => current().prune(),
    createGroup: (g) => current().createGroup(g),
    getGroup: (id) => current().getGroup(id),
    settleMember: (id, i, o) => current().settleMember(id, i, o),
    deleteGroup: (id) => current().deleteGroup(id),
    close: () => store.close(),
  };
}

function logStamp(dir: string): string {
  try {
    const s = statSync(join(dir, 'jobs.log'));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
}
