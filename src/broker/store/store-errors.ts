/**
 * Typed errors of the file store, each naming the path (and offset) it is about, so a
 * start-up failure tells the operator which file to look at.
 */

/** The data directory cannot be created, read or written. */
export class DataDirError extends Error {
  override readonly name = 'DataDirError';
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`data dir ${path}: ${reason}`, options);
  }
}

/**
 * A record failed its checksum (or framing) in a segment that is not the newest one, or
 * the definitions file cannot be parsed. Never repaired silently: see FileStoreOptions.repair.
 */
export class CorruptSegmentError extends Error {
  override readonly name = 'CorruptSegmentError';
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
  ) {
    super(
      `corrupt message store segment ${file} at offset ${offset}: ${reason}; run 'warren data check' on the data dir`,
    );
  }
}

/**
 * The data dir is not what it was left as: a segment the manifest lists is missing, emptied
 * or cut, the definitions file is missing or malformed, a record is corrupt. The start
 * refuses (nothing is deleted or truncated); `warren data check DIR` lists every problem and
 * `warren data repair DIR --apply` salvages what is readable.
 */
export class DamagedDataDirError extends Error {
  override readonly name = 'DamagedDataDirError';
  constructor(
    readonly dataDir: string,
    readonly file: string,
    readonly reason: string,
    /** How many further problems were found (reported by `warren data check`). */
    readonly more = 0,
  ) {
    const others = more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : '';
    super(`damaged data dir ${dataDir}: ${file}: ${reason}${others}; run 'warren data check ${dataDir}'`);
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
