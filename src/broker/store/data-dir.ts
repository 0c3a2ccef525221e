/**
 * Opening a data dir: the directory is created (or proven writable), repaired first when
 * asked, and its layout checked (data-dir-layout.ts: anything damaged refuses the start,
 * nothing is deleted); then its two stores open: the definitions store (definitions.json)
 * and the message store (the message log, replayed). The message log saves the definitions
 * before each of its writes, so a confirmed message's queue is on disk before the confirm.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectLayout, MESSAGES_DIR } from './data-dir-layout.js';
import type { Layout } from './data-dir-layout.js';
import { repairDataDir } from './data-dir-repair.js';
import { DEFINITIONS_FILE } from './definitions-file.js';
import { DefinitionsStore } from './definitions-store.js';
import { FileStore } from './file-store.js';
import type { FileStoreOptions } from './file-store.js';
import { writeFileDurablySync } from './manifest.js';
import { DamagedDataDirError, DataDirError, errorText } from './store-errors.js';

export interface DataDirStores {
  definitions: DefinitionsStore;
  messages: FileStore;
}

/**
 * Opens (creating if needed) a data dir: loads its definitions and replays its message log.
 * Throws DataDirError (unusable directory), DamagedDataDirError or CorruptSegmentError.
 */
export function openDataDir(dataDir: string, options: FileStoreOptions = {}): DataDirStores {
  const warn = options.onWarning ?? ((t) => console.warn(`warren store: ${t}`));
  prepareDir(dataDir);
  prepareDir(join(dataDir, MESSAGES_DIR));
  if (options.repair === true) repairDataDir(dataDir, { apply: true, report: (t) => warn(`REPAIR: ${t}`) });
  const layout = acceptLayout(dataDir, warn);
  const definitions = new DefinitionsStore(dataDir, warn);
  definitions.load();
  const messages = new FileStore(dataDir, layout, {
    ...options,
    onWarning: warn,
    beforeWrite: () => definitions.save(),
  });
  return { definitions, messages };
}

/**
 * The layout check at start: any problem refuses the start (nothing is deleted); a fresh dir
 * gets its empty definitions file then its manifest; leftovers of an interrupted segment
 * deletion or roll (no live records) are removed.
 */
function acceptLayout(dataDir: string, warn: (text: string) => void): Layout {
  const layout = inspectLayout(dataDir);
  const first = layout.problems[0];
  if (first !== undefined)
    throw new DamagedDataDirError(dataDir, first.file, first.detail, layout.problems.length - 1);
  if (layout.fresh) writeFileDurablySync(dataDir, DEFINITIONS_FILE, EMPTY_DEFINITIONS);
  for (const file of layout.leftovers) {
    rmSync(file, { force: true });
    warn(`removed ${file}: left by a segment deletion or roll a crash interrupted (it held no live records)`);
  }
  return layout;
}

const EMPTY_DEFINITIONS = JSON.stringify({ version: 1, vhosts: [], exchanges: [], queues: [], bindings: [] });

/** Creates a directory and proves it writable, or throws DataDirError naming it. */
function prepareDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, '.write-probe');
    writeFileSync(probe, 'ok');
    rmSync(probe);
  } catch (e) {
    throw new DataDirError(dir, `cannot create or write: ${errorText(e)}`, { cause: e });
  }
}
