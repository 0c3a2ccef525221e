/**
 * Delivery horizons: for each durable queue, a seq up to which messages may have been handed
 * to a consumer. It is raised (in steps of HORIZON_STEP seqs) and synced to disk *before* a
 * delivery beyond it goes out, so after a crash every message that may have been delivered
 * lies at or below its queue's horizon and comes back with redelivered=true, even when its
 * own DELIVERED record (written lazily, without a sync of its own) was lost. Messages above
 * the horizon were never delivered. The price: one small synchronous write + fdatasync per
 * HORIZON_STEP first deliveries of a queue, and after a crash up to HORIZON_STEP never
 * delivered messages per queue flagged redelivered (a false positive AMQP allows, RabbitMQ
 * does the same for possibly delivered messages; a missed flag is what must never happen).
 *
 * File: `<dataDir>/delivery-horizons`, append-only lines `seq<TAB>base64(queueKey)<TAB>crc`;
 * the last valid line of a queue wins (a queue drop writes 0). A torn last line was never
 * synced, so no delivery relied on it. The file is compacted (rewritten atomically) at open.
 *
 * A clean shutdown writes `<dataDir>/clean-shutdown`; open removes it. Horizons are applied
 * only after an unclean stop: a clean one synced every DELIVERED record already.
 */
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { syncDir } from './sync-dir.js';

/** Seqs covered by one raise: the syncs per first delivery, and the false positives after a crash. */
export const HORIZON_STEP = 1000;
const FILE = 'delivery-horizons';
const CLEAN = 'clean-shutdown';

const line = (key: string, seq: number): string => {
  const body = `${seq}\t${Buffer.from(key, 'utf8').toString('base64')}`;
  return `${body}\t${crc32(body).toString(16)}\n`;
};

export class DeliveryHorizons {
  /** Durable horizon per queue key. */
  private readonly horizons = new Map<string, number>();
  private fd = -1;
  /** The previous run ended without close() (crash, kill -9): horizons must be applied. */
  readonly unclean: boolean;

  constructor(
    private readonly dir: string,
    private readonly warn: (text: string) => void,
  ) {
    const clean = join(dir, CLEAN);
    const wasClean = existsSync(clean);
    this.unclean = !wasClean;
    this.load();
    this.compact();
    if (wasClean) {
      unlinkSync(clean);
      syncDir(dir);
    }
  }

  /** The durable horizon of a queue (0: nothing may have been delivered). */
  get(key: string): number {
    return this.horizons.get(key) ?? 0;
  }

  /**
   * True when `seq` may be delivered now; raises (and syncs) the horizon first if needed.
   * `exact`: raised to `seq` only (a sync per first delivery, no false positives after a crash).
   */
  admit(key: string, seq: number, exact = false): boolean {
    if (seq <= (this.horizons.get(key) ?? 0)) return true;
    const horizon = exact ? seq : seq + HORIZON_STEP;
    try {
      this.append(line(key, horizon));
      this.horizons.set(key, horizon);
    } catch (e) {
      // Availability over the hint: deliver anyway, but say that a crash now could miss it.
      this.warn(
        `cannot write delivery horizon (${e instanceof Error ? e.message : String(e)}): a crash now may lose redelivered flags`,
      );
    }
    return true;
  }

  /** The queue was deleted: a queue of the same name starts from nothing. */
  drop(key: string): void {
    if (!this.horizons.delete(key)) return;
    try {
      this.append(line(key, 0));
    } catch {
      // a stale horizon only means extra redelivered flags after a crash
    }
  }

  /** Forgets the horizons of queues that no longer exist (start-up, after restore). */
  retain(known: ReadonlySet<string>): void {
    let changed = false;
    for (const key of [...this.horizons.keys()]) {
      if (known.has(key)) continue;
      this.horizons.delete(key);
      changed = true;
    }
    if (changed) this.compact();
  }

  /** Marks a clean stop (after the log's final sync). */
  closeClean(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    const fd = openSync(join(this.dir, CLEAN), 'w');
    try {
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    syncDir(this.dir);
  }

  private append(text: string): void {
    if (this.fd < 0) this.fd = openSync(join(this.dir, FILE), 'a');
    writeSync(this.fd, text);
    fdatasyncSync(this.fd);
  }

  private load(): void {
    const path = join(this.dir, FILE);
    if (!existsSync(path)) return;
    for (const l of readFileSync(path, 'utf8').split('\n')) {
      const [seq, key, crc] = l.split('\t');
      if (seq === undefined || key === undefined || crc === undefined) continue;
      if (crc32(`${seq}\t${key}`).toString(16) !== crc) continue;
      const k = Buffer.from(key, 'base64').toString('utf8');
      if (Number(seq) > 0) this.horizons.set(k, Number(seq));
      else this.horizons.delete(k);
    }
  }

  /** Rewrites the file with one line per queue (tmp, fdatasync, rename, dir fsync). */
  private compact(): void {
    const path = join(this.dir, FILE);
    const tmp = `${path}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      let text = '';
      for (const [k, seq] of this.horizons) text += line(k, seq);
      writeSync(fd, text);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    syncDir(this.dir);
  }
}
