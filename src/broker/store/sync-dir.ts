import { closeSync, fsyncSync, openSync } from 'node:fs';

/** fsyncs a directory, so a file created, renamed or unlinked in it survives a crash. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
