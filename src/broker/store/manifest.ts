/**
 * The data dir's manifest (`<dataDir>/manifest.json`): every message-log segment that must
 * exist, oldest first, with the exact size of each sealed one (the open segment, still
 * being written, has `bytes: null`). Its presence also says the definitions file was
 * written (a fresh dir writes definitions.json before its first manifest).
 *
 * It lets recovery tell damage from history: a listed segment that is missing, emptied or
 * of another size is damage (the start refuses) instead of "nothing there"; a segment older
 * than the first entry is a finished deletion interrupted by a crash; one newer than the
 * last with no records is a roll interrupted by a crash.
 *
 * Ordering (commit-log.ts): a roll creates and fdatasyncs the new segment, then saves the
 * manifest listing it, then writes records into it; a deletion saves the manifest without
 * the segment, then unlinks it. Every save is atomic: write `manifest.json.tmp`, fdatasync,
 * rename, fsync the directory.
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SegmentManifest } from './message-log/commit-log.js';
import { syncDir } from './sync-dir.js';

export const MANIFEST_FILE = 'manifest.json';

export interface SegmentEntry {
  id: number;
  /** Exact size of a sealed segment; null for the open one. */
  bytes: number | null;
}

export interface Manifest {
  format: 'warren-data-dir';
  version: 1;
  segments: SegmentEntry[];
}

export const emptyManifest = (): Manifest => ({ format: 'warren-data-dir', version: 1, segments: [] });

/** Reads the manifest: undefined when absent, a reason string when malformed. */
export function readManifest(dataDir: string): Manifest | undefined | string {
  const path = join(dataDir, MANIFEST_FILE);
  if (!existsSync(path)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    return `not valid JSON (${(e as Error).message})`;
  }
  return checkManifestShape(raw);
}

function checkManifestShape(raw: unknown): Manifest | string {
  if (typeof raw !== 'object' || raw === null) return 'not a JSON object';
  const m = raw as Partial<Manifest>;
  if (m.format !== 'warren-data-dir' || m.version !== 1) return 'unknown format or version';
  if (!Array.isArray(m.segments)) return '"segments" is not an array';
  for (let i = 0; i < m.segments.length; i++) {
    const s = m.segments[i] as Partial<SegmentEntry> | null;
    const id = s?.id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1)
      return `segments[${i}].id is not a segment number`;
    if (i > 0 && id !== m.segments[i - 1]!.id + 1) return `segments[${i}] is not consecutive`;
    const bytes = s?.bytes;
    if (bytes !== null && (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes < 0))
      return `segments[${i}].bytes is not a size`;
  }
  return m as Manifest;
}

const encode = (m: Manifest): string => JSON.stringify(m);

/** Atomic synchronous save (start-up and repair). */
export function writeManifestSync(dataDir: string, m: Manifest): void {
  writeFileDurablySync(dataDir, MANIFEST_FILE, encode(m));
}

/** Writes `dir/name` atomically and durably: tmp file, fdatasync, rename, fsync the dir. */
export function writeFileDurablySync(dir: string, name: string, data: string | Buffer): void {
  const path = join(dir, name);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dir);
}

/** The commit log's view: records rolls and deletions, saving each before it is relied on. */
export class ManifestWriter implements SegmentManifest {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly dataDir: string,
    /** What is on disk: replaced only after a save of the next state succeeded. */
    private manifest: Manifest,
  ) {}

  /** `sealed` (if any) is now complete at `bytes`; `opened` is the segment being written. */
  rolled(sealed: number | undefined, bytes: number, opened: number): Promise<void> {
    return this.save((list) => {
      const next = list.map((s) => (s.id === sealed ? { id: s.id, bytes } : s));
      if (!next.some((s) => s.id === opened)) next.push({ id: opened, bytes: null });
      return next;
    });
  }

  /** The segments are no longer needed: saved without them before they are unlinked. */
  retired(ids: readonly number[]): Promise<void> {
    const gone = new Set(ids);
    return this.save((list) => list.filter((s) => !gone.has(s.id)));
  }

  /**
   * Queues one atomic write of the changed state; each caller sees its own outcome, and a
   * failed write leaves the state as it is on disk (a retried roll starts from there).
   */
  private save(change: (list: readonly SegmentEntry[]) => SegmentEntry[]): Promise<void> {
    const done = this.chain.then(async () => {
      const next = { ...this.manifest, segments: change(this.manifest.segments) };
      await this.write(next);
      this.manifest = next;
    });
    this.chain = done.catch(() => undefined);
    return done;
  }

  private async write(m: Manifest): Promise<void> {
    const path = join(this.dataDir, MANIFEST_FILE);
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(encode(m));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    syncDir(this.dataDir);
  }
}
