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
    super(`corrupt message store segment ${file} at offset ${offset}: ${reason}`);
  }
}

/** A write or fdatasync failed: the messages in that batch were nacked, not confirmed. */
export class StoreWriteError extends Error {
  override readonly name = 'StoreWriteError';
  constructor(
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`write to ${file} failed`, options);
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
