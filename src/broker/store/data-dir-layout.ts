/**
 * Which files a data dir must hold and which it does, without reading record bodies: the
 * manifest against the segment files on disk, and the definitions file's presence and
 * shape. Recovery refuses to start on any problem listed here; `warren data check` prints
 * them with the record-level damage found by segment-scan.ts.
 */
import { existsSync, openSync, readFileSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEFINITIONS_FILE } from './definitions-file.js';
import { parseDefinitions } from './definitions-shape.js';
import { MANIFEST_FILE, readManifest } from './manifest.js';
import type { Manifest } from './manifest.js';
import { SEGMENT_MAGIC } from './message-log/record-codec.js';

export const MESSAGES_DIR = 'messages';

export interface LayoutProblem {
  file: string;
  /** missing-segment, emptied-segment, cut-segment, unlisted-segment, missing-definitions, bad-definitions, bad-manifest, missing-manifest */
  kind: string;
  detail: string;
}

/** A segment to replay. */
export interface LayoutSegment {
  id: number;
  file: string;
  /** Size on disk (0 for a non-regular file). */
  size: number;
  /** Exact size the manifest recorded; null for the open segment (torn-tail rules apply). */
  sealedBytes: number | null;
}

export interface Layout {
  dataDir: string;
  /** Nothing there yet: a new data dir. */
  fresh: boolean;
  /** Written before the manifest existed (only WRNLOG01 segments, no manifest.json). */
  legacy: boolean;
  segments: LayoutSegment[];
  /** Leftovers of a deletion or roll a crash interrupted: safe to remove (no live records). */
  leftovers: string[];
  problems: LayoutProblem[];
}

export const segmentFile = (dataDir: string, id: number): string =>
  join(dataDir, MESSAGES_DIR, `${String(id).padStart(8, '0')}.seg`);

interface OnDisk {
  id: number;
  file: string;
  size: number;
  regular: boolean;
}

function segmentsOnDisk(dataDir: string): OnDisk[] {
  const dir = join(dataDir, MESSAGES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d{8}\.seg$/.test(f))
    .map((f) => Number(f.slice(0, 8)))
    .sort((a, b) => a - b)
    .map((id) => {
      const file = segmentFile(dataDir, id);
      const st = statSync(file);
      return { id, file, size: st.isFile() ? st.size : 0, regular: st.isFile() };
    });
}

/** The first 8 bytes are the current segment magic (written since the manifest exists). */
function hasCurrentMagic(s: OnDisk): boolean {
  if (!s.regular || s.size < SEGMENT_MAGIC.length) return false;
  const fd = openSync(s.file, 'r');
  try {
    const head = Buffer.alloc(SEGMENT_MAGIC.length);
    readSync(fd, head, 0, head.length, 0);
    return head.equals(SEGMENT_MAGIC);
  } finally {
    closeSync(fd);
  }
}

export function inspectLayout(dataDir: string): Layout {
  const out: Layout = { dataDir, fresh: false, legacy: false, segments: [], leftovers: [], problems: [] };
  const disk = segmentsOnDisk(dataDir);
  const defsPath = join(dataDir, DEFINITIONS_FILE);
  const hasDefs = existsSync(defsPath);
  const manifest = readManifest(dataDir);
  if (hasDefs) checkDefinitions(defsPath, out);
  if (typeof manifest === 'string') {
    out.problems.push({ file: join(dataDir, MANIFEST_FILE), kind: 'bad-manifest', detail: manifest });
    if (!hasDefs && disk.length > 0)
      out.problems.push(missingDefinitions(defsPath, 'missing while the message log holds segments'));
    return out;
  }
  if (manifest === undefined) {
    if (disk.length === 0 && !hasDefs) out.fresh = true;
    else withoutManifest(dataDir, disk, hasDefs, out);
    return out;
  }
  if (!hasDefs) out.problems.push(missingDefinitions(defsPath, 'missing (the manifest says it was written)'));
  againstManifest(dataDir, manifest, disk, out);
  return out;
}

const missingDefinitions = (file: string, detail: string): LayoutProblem => ({
  file,
  kind: 'missing-definitions',
  detail,
});

function checkDefinitions(path: string, out: Layout): void {
  const parsed = parseDefinitions(readFileSync(path, 'utf8'));
  if ('error' in parsed) out.problems.push({ file: path, kind: 'bad-definitions', detail: parsed.error });
}

/** A dir from before the manifest: segments must at least be consecutive. */
function withoutManifest(dataDir: string, disk: OnDisk[], hasDefs: boolean, out: Layout): void {
  const manifestPath = join(dataDir, MANIFEST_FILE);
  if (disk.some(hasCurrentMagic)) {
    out.problems.push({
      file: manifestPath,
      kind: 'missing-manifest',
      detail: 'missing (segments written with one exist)',
    });
    return;
  }
  out.legacy = true;
  if (!hasDefs && disk.length > 0)
    out.problems.push(
      missingDefinitions(join(dataDir, DEFINITIONS_FILE), 'missing while the message log holds segments'),
    );
  for (let i = 1; i < disk.length; i++)
    for (let id = disk[i - 1]!.id + 1; id < disk[i]!.id; id++)
      out.problems.push({
        file: segmentFile(dataDir, id),
        kind: 'missing-segment',
        detail: 'missing (a gap in the segment numbers)',
      });
  for (let i = 0; i < disk.length; i++) {
    const s = disk[i]!;
    const newest = i === disk.length - 1;
    out.segments.push({ id: s.id, file: s.file, size: s.size, sealedBytes: newest ? null : s.size });
  }
}

function againstManifest(dataDir: string, m: Manifest, disk: OnDisk[], out: Layout): void {
  const byId = new Map(disk.map((s) => [s.id, s]));
  for (const e of m.segments) {
    const file = segmentFile(dataDir, e.id);
    const s = byId.get(e.id);
    if (s === undefined) {
      out.problems.push({ file, kind: 'missing-segment', detail: 'missing (listed in the manifest)' });
      continue;
    }
    // A non-regular file is a device a test points the log at (it never held records).
    if (s.regular && s.size === 0)
      out.problems.push({ file, kind: 'emptied-segment', detail: 'is empty (listed in the manifest)' });
    else if (s.regular && e.bytes !== null && s.size !== e.bytes)
      out.problems.push({
        file,
        kind: 'cut-segment',
        detail: `is ${s.size} bytes, the manifest recorded ${e.bytes}`,
      });
    out.segments.push({ id: e.id, file, size: s.size, sealedBytes: e.bytes });
  }
  const first = m.segments[0]?.id ?? Infinity;
  const last = m.segments.at(-1)?.id ?? 0;
  for (const s of disk) {
    if (s.id < first && m.segments.length > 0) out.leftovers.push(s.file);
    else if (s.id > last) {
      // A roll interrupted before the manifest listed it holds no records.
      if (!s.regular || s.size <= SEGMENT_MAGIC.length) out.leftovers.push(s.file);
      else
        out.problems.push({
          file: s.file,
          kind: 'unlisted-segment',
          detail: 'holds records but is not in the manifest',
        });
    }
  }
}
