/**
 * `warren data check` and `warren data repair`: what is damaged in a data dir, and a
 * consistent data dir holding every record that can still be read.
 *
 * Check reads every segment file on disk (not only those the manifest lists) with
 * segment-scan.ts and adds the layout problems (data-dir-layout.ts). A torn tail at the end
 * of the open segment is a note, not damage: the broker drops it on start, it was never
 * confirmed.
 *
 * Repair copies every valid record, in log order, into new segments (one per original that
 * still holds records, renumbered from 1), resynchronising past damaged regions so records
 * after a bad one are kept too. A missing or malformed definitions file is rebuilt from the
 * log: each queue that still has messages comes back durable with default arguments in its
 * vhost (its arguments, the exchanges, bindings, users and permissions were only in that
 * file). The originals are moved, untouched, to `<dataDir>/damaged-<time>/`.
 * Limits: records in a missing segment are gone; a lost REMOVE record brings an acked
 * message back (at least once, never lost); repair needs free space for one more copy of
 * the log, and the broker must not be running on the dir.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { closeSync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTable } from '../../protocol/field-table.js';
import { syncDir } from './sync-dir.js';
import { MESSAGES_DIR, inspectLayout, segmentFile } from './data-dir-layout.js';
import type { LayoutProblem } from './data-dir-layout.js';
import { DEFINITIONS_FILE } from './definitions-file.js';
import { MANIFEST_FILE, emptyManifest, writeFileDurablySync, writeManifestSync } from './manifest.js';
import type { QueueIndex } from './message-log/queue-index.js';
import { RECORD_HEADER, RecordType, SEGMENT_MAGIC, readHead } from './message-log/record-codec.js';
import type { RecordHead } from './message-log/record-codec.js';
import { applyRecord } from './message-log/recovery.js';
import { isTornTail, scanSegment } from './message-log/segment-scan.js';

export interface DataDirFinding extends LayoutProblem {
  offset?: number;
}

/** One segment file as scanned (its bytes are not kept: repair reads the file again). */
export interface ScannedFile {
  id: number;
  file: string;
  records: number;
}

export interface DataDirReport {
  dataDir: string;
  /** Damage: the broker refuses to start until it is repaired. */
  problems: DataDirFinding[];
  /** Harmless findings (a torn unconfirmed tail, leftovers the broker removes). */
  notes: DataDirFinding[];
  files: ScannedFile[];
  /** Live messages per queue key in what is readable. */
  messages: Map<string, number>;
}

function segmentsOnDisk(dataDir: string): number[] {
  const dir = join(dataDir, MESSAGES_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^\d{8}\.seg$/.test(f))
    .map((f) => Number(f.slice(0, 8)))
    .sort((a, b) => a - b);
}

export function checkDataDir(dataDir: string): DataDirReport {
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory())
    throw new Error(`${dataDir} is not a directory`);
  const layout = inspectLayout(dataDir);
  const report: DataDirReport = {
    dataDir,
    problems: [...layout.problems],
    notes: [],
    files: [],
    messages: new Map(),
  };
  for (const f of layout.leftovers)
    report.notes.push({
      file: f,
      kind: 'leftover',
      detail: 'left by an interrupted deletion or roll; removed on start',
    });
  const open = layout.segments.at(-1)?.sealedBytes === null ? layout.segments.at(-1)!.id : undefined;
  // Readable records are applied as recovery would, to count live messages per queue.
  const indexes = new Map<string, QueueIndex>();
  const head: RecordHead = { type: RecordType.Publish, queueKey: '', seq: 0, flags: 0 };
  for (const id of segmentsOnDisk(dataDir)) {
    const file = segmentFile(dataDir, id);
    const buf = readSegment(file);
    const scan = scanSegment(buf, (pos, len) => {
      readHead(buf, pos + RECORD_HEADER, pos + len, head);
      applyRecord(indexes, head, id, pos, len);
    });
    report.files.push({ id, file, records: scan.records });
    const torn = id === open && isTornTail(scan, buf.length);
    for (const d of scan.damage) {
      const finding = { file, offset: d.offset, kind: torn ? 'torn-tail' : 'corrupt-record', detail: '' };
      finding.detail = torn
        ? `${d.end - d.offset} bytes of an unconfirmed write cut short (${d.reason}); dropped on start`
        : `${d.reason}; ${d.end - d.offset} bytes unreadable, ${d.end < buf.length ? `records resume at offset ${d.end}` : 'to the end of the file'}`;
      (torn ? report.notes : report.problems).push(finding);
    }
  }
  for (const [key, idx] of indexes) if (idx.live > 0) report.messages.set(key, idx.live);
  return report;
}

function readSegment(file: string): Buffer {
  return statSync(file).isFile() ? readFileSync(file) : Buffer.alloc(0);
}

export interface RepairOptions {
  /** Write the repaired dir (default: only report what would be done). */
  apply: boolean;
  report: (line: string) => void;
}

export interface RepairResult {
  damaged: boolean;
  /** Where the originals went (when applied). */
  aside?: string;
  records: number;
  messages: number;
}

export function repairDataDir(dataDir: string, options: RepairOptions): RepairResult {
  const report = checkDataDir(dataDir);
  const records = report.files.reduce((n, f) => n + f.records, 0);
  const messages = [...report.messages.values()].reduce((a, b) => a + b, 0);
  if (report.problems.length === 0) return { damaged: false, records, messages };
  const say = options.report;
  const rebuildDefinitions = report.problems.some(
    (p) => p.kind === 'missing-definitions' || p.kind === 'bad-definitions',
  );
  const kept = report.files.filter((f) => f.records > 0);
  say(
    `salvage ${records} readable records from ${report.files.length} segment files into ${kept.length} new segments`,
  );
  say(`${messages} messages in ${report.messages.size} queues will be restored`);
  for (const p of report.problems.filter((x) => x.kind === 'missing-segment'))
    say(`${p.file} is missing: the records it held are lost`);
  if (rebuildDefinitions)
    say(
      `definitions: rebuilt from the message log (${report.messages.size} durable queues with default arguments); exchanges, bindings, queue arguments, users and permissions must be declared again`,
    );
  if (!options.apply) return { damaged: true, records, messages };
  const aside = writeRepaired(
    dataDir,
    kept,
    rebuildDefinitions ? rebuiltDefinitions(report.messages) : undefined,
  );
  say(`originals moved to ${aside}`);
  return { damaged: true, aside, records, messages };
}

const NO_ARGUMENTS = encodeTable({}).toString('base64');

/** Durable queues (default arguments) for every queue key that has messages. */
function rebuiltDefinitions(messages: Map<string, number>): string {
  const vhosts = new Set<string>();
  const queues: object[] = [];
  for (const key of messages.keys()) {
    const at = key.indexOf('\u0000');
    const vhost = key.slice(0, at);
    vhosts.add(vhost);
    queues.push({
      vhost,
      name: key.slice(at + 1),
      durable: true,
      autoDelete: false,
      arguments: NO_ARGUMENTS,
    });
  }
  if (vhosts.size === 0) vhosts.add('/');
  return JSON.stringify({ version: 1, vhosts: [...vhosts], exchanges: [], queues, bindings: [] });
}

/**
 * Stages the new segments, moves the originals aside, puts the new ones in place, then
 * writes definitions and manifest last (a crash part way leaves the originals intact).
 */
function writeRepaired(
  dataDir: string,
  kept: readonly ScannedFile[],
  definitions: string | undefined,
): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const staging = join(dataDir, `repair-${stamp}.tmp`);
  const aside = join(dataDir, `damaged-${stamp}`);
  mkdirSync(staging);
  const manifest = emptyManifest();
  kept.forEach((f, i) => {
    const bytes = writeSegment(join(staging, `${String(i + 1).padStart(8, '0')}.seg`), f);
    manifest.segments.push({ id: i + 1, bytes });
  });
  syncDir(staging);
  mkdirSync(aside);
  const defsPath = join(dataDir, DEFINITIONS_FILE);
  const oldDefs = existsSync(defsPath) ? readFileSync(defsPath) : undefined;
  for (const name of [MESSAGES_DIR, MANIFEST_FILE, DEFINITIONS_FILE])
    if (existsSync(join(dataDir, name))) renameSync(join(dataDir, name), join(aside, name));
  syncDir(aside);
  renameSync(staging, join(dataDir, MESSAGES_DIR));
  writeFileDurablySync(dataDir, DEFINITIONS_FILE, definitions ?? oldDefs ?? rebuiltDefinitions(new Map()));
  writeManifestSync(dataDir, manifest);
  return aside;
}

/** Writes the header and the file's valid records (read again); returns the new size. */
function writeSegment(path: string, f: ScannedFile): number {
  const buf = readSegment(f.file);
  const parts: Buffer[] = [SEGMENT_MAGIC];
  scanSegment(buf, (pos, len) => parts.push(buf.subarray(pos, pos + len)));
  const data = Buffer.concat(parts);
  const fd = openSync(path, 'w');
  try {
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return data.length;
}
