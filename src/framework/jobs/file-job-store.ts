/**
 * The job store of a persistent embedded broker: the memory store, with every change appended
 * as one JSON line to `<dir>/jobs.log` and replayed on open (last line for an id wins). The log
 * is rewritten with only the live records when it grows past twice their number, and on open.
 * Lines are written with one write(2) each but not fsync'd: a power loss may lose the newest
 * transitions (the task messages themselves are the broker's, confirmed after fdatasync); a
 * process crash loses nothing written. A group is one line when created and one more per
 * member settled (not the whole group again); a group's "last member" step is a synchronous
 * check-and-change in the one process that owns the store, which is its lock.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { GroupRecord, MemberOutcome } from './group-record.js';
import type { JobRecord } from './job-record.js';
import type { RetentionOptions } from './job-store.js';
import { MemoryJobStore } from './memory-job-store.js';

const LOG_FILE = 'jobs.log';

type LogLine =
  | { put: JobRecord }
  | { del: string }
  | { pause: string; on: boolean }
  | { group: GroupRecord }
  | { member: string; index: number; outcome: MemberOutcome; at: number }
  | { delGroup: string };

export class FileJobStore extends MemoryJobStore {
  readonly #dir: string;
  #fd: number | undefined;
  #lines = 0;

  private constructor(dir: string, retention?: RetentionOptions) {
    super({ retention });
    this.#dir = dir;
  }

  /** Opens (creating) the store in `dir`, replaying and compacting its log. */
  static open(dir: string, retention?: RetentionOptions): FileJobStore {
    mkdirSync(dir, { recursive: true });
    const store = new FileJobStore(dir, retention);
    store.#replay();
    store.#compact();
    return store;
  }

  /**
   * Reads the store in `dir` without writing to it (what `warren jobs --data-dir` uses while
   * the app that owns it runs): changes made through it stay in memory.
   */
  static read(dir: string, retention?: RetentionOptions): FileJobStore {
    const store = new FileJobStore(dir, retention);
    store.#replay();
    return store;
  }

  protected override changed(record: JobRecord): void {
    this.#append({ put: record });
  }

  protected override deleted(id: string): void {
    this.#append({ del: id });
  }

  protected override pausedChanged(task: string, paused: boolean): void {
    this.#append({ pause: task, on: paused });
  }

  protected override groupChanged(group: GroupRecord): void {
    this.#append({ group });
  }

  protected override memberSettled(id: string, index: number, outcome: MemberOutcome, at: number): void {
    this.#append({ member: id, index, outcome, at });
  }

  protected override groupDeleted(id: string): void {
    this.#append({ delGroup: id });
  }

  override close(): Promise<void> {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
    return Promise.resolve();
  }

  #append(line: LogLine): void {
    if (this.#fd === undefined) return;
    writeSync(this.#fd, JSON.stringify(line) + '\n');
    if (++this.#lines > 2 * (this.size + this.groupCount) + 1000) this.#compact();
  }

  #replay(): void {
    const path = join(this.#dir, LOG_FILE);
    if (!existsSync(path)) return;
    for (const text of readFileSync(path, 'utf8').split('\n')) {
      if (text === '') continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue; // a torn last line from a crash mid-write: the transition before it stands
      }
      try {
        this.#apply(line);
      } catch {
        continue; // a line that does not fit what came before it (a member index out of range)
      }
    }
  }

  #apply(line: LogLine): void {
    if ('put' in line) this.restore(line.put);
    else if ('del' in line) this.forget(line.del);
    else if ('pause' in line) this.restorePaused(line.pause, line.on);
    else if ('group' in line) this.restoreGroup(line.group);
    else if ('member' in line) this.restoreMember(line.member, line.index, line.outcome, line.at);
    else this.forgetGroup(line.delGroup);
  }

  /** Rewrites the log with the live records (temp file, fsync, rename), then appends to it. */
  #compact(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    const path = join(this.#dir, LOG_FILE);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    let lines = 0;
    for (const r of this.records()) {
      writeSync(fd, JSON.stringify({ put: r }) + '\n');
      lines++;
    }
    for (const group of this.groups()) {
      writeSync(fd, JSON.stringify({ group }) + '\n');
      lines++;
    }
    for (const task of this.pausedNow()) {
      writeSync(fd, JSON.stringify({ pause: task, on: true }) + '\n');
      lines++;
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
    this.#fd = openSync(path, 'a');
    this.#lines = lines;
  }
}
