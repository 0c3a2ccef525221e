/**
 * Thin promise wrappers over node:fs callback APIs on a raw fd for the commit log's hot
 * path (one pwrite loop + one fdatasync per batch): cheaper than fs.promises FileHandle
 * calls, which allocate a FileHandle request and a promise chain per operation.
 */
import { close, fdatasync, ftruncate, open, write } from 'node:fs';

export function openFd(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => open(path, flags, (e, fd) => (e ? reject(e) : resolve(fd))));
}

/** Writes all of `buf` at `pos` (looping over short writes). */
export function writeAll(fd: number, buf: Buffer, pos: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = 0;
    const step = (): void =>
      write(fd, buf, done, buf.length - done, pos + done, (e, n) => {
        if (e) return reject(e);
        if (n <= 0) return reject(new Error('short write'));
        done += n;
        if (done < buf.length) step();
        else resolve();
      });
    step();
  });
}

export function datasyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
}

export function truncateFd(fd: number, len: number): Promise<void> {
  return new Promise((resolve) => ftruncate(fd, len, () => resolve()));
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => close(fd, (e) => (e ? reject(e) : resolve())));
}
