/**
 * Start-up: re-declares the saved definitions on a fresh Broker, then hands every durable
 * queue its logged messages (read back segment by segment, in seq order; delivered ones
 * come back with redelivered set).
 */
import { openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { declareQueue } from '../channel/declarations.js';
import type { Message } from '../message.js';
import { Method } from '../methods.js';
import { segmentName } from './commit-log.js';
import type { FileStore } from './file-store.js';
import { F_DELIVERED } from './queue-index.js';
import { RECORD_HEADER, checkRecord, readMessage } from './record-codec.js';
import { CorruptSegmentError } from './store-errors.js';
import type { Vhost } from '../vhost.js';

/** What restoring needs of the Broker (kept structural: the Broker imports this module). */
export interface Broker {
  addVhost(name: string): Vhost;
  deleteVhost(name: string): boolean;
  vhost(name: string): Vhost | undefined;
  vhostNames(): string[];
}

/** Re-declares saved vhosts, exchanges, queues and bindings. */
export function restoreDefinitions(broker: Broker, store: FileStore): void {
  const defs = store.definitions;
  if (defs.vhosts.size > 0 && !defs.vhosts.has('/')) broker.deleteVhost('/');
  for (const name of defs.vhosts) broker.addVhost(name);
  const owner = {};
  for (const q of [...defs.queues.values()]) {
    const v = broker.vhost(q.vhost);
    if (v === undefined) continue;
    declareQueue(v, owner, q.name, { durable: true, autoDelete: q.autoDelete, arguments: q.arguments });
  }
  for (const x of [...defs.exchanges.values()]) {
    const v = broker.vhost(x.vhost);
    if (v === undefined || v.exchanges.has(x.name)) continue;
    v.declareExchange(x.name, { ...x, passive: false });
  }
  for (const b of [...defs.bindings.values()]) {
    const v = broker.vhost(b.vhost);
    const source = v?.exchanges.get(b.source);
    const dest =
      b.destinationType === 'queue' ? v?.queues.get(b.destination) : v?.exchanges.get(b.destination);
    if (v === undefined || source === undefined || dest === undefined) continue;
    v.bind(source, dest, b.routingKey, b.arguments, Method.queueBind);
  }
}

/** Loads every live logged message into its queue. */
export function restoreMessages(broker: Broker, store: FileStore): void {
  const known = new Set<string>();
  for (const name of broker.vhostNames())
    for (const q of broker.vhost(name)!.queues.values()) if (q.durable) known.add(q.storeKey);
  store.adoptQueues(known);
  const reader = new SegmentReader(store.log.dir);
  try {
    for (const name of broker.vhostNames()) {
      for (const q of broker.vhost(name)!.queues.values()) {
        const idx = store.indexes.get(q.storeKey);
        if (idx === undefined) continue;
        const messages: Message[] = [];
        for (const i of idx.liveEntries()) {
          const m = reader.read(idx.segs[i]!, idx.offs[i]!, idx.lens[i]!);
          if ((idx.flags[i]! & F_DELIVERED) !== 0) m.redelivered = true;
          messages.push(m);
        }
        q.restore(messages, idx.maxSeq);
      }
    }
  } finally {
    reader.close();
  }
}

/** Reads single records, keeping the current segment file open. */
export class SegmentReader {
  private fd = -1;
  private seg = -1;
  private buf = Buffer.allocUnsafe(64 * 1024);

  constructor(private readonly dir: string) {}

  read(seg: number, off: number, len: number): Message {
    if (seg !== this.seg) {
      this.close();
      this.fd = openSync(join(this.dir, segmentName(seg)), 'r');
      this.seg = seg;
    }
    if (this.buf.length < len) this.buf = Buffer.allocUnsafe(len * 2);
    const n = readSync(this.fd, this.buf, 0, len, off);
    const file = join(this.dir, segmentName(seg));
    const ok = n === len ? checkRecord(this.buf, 0, len) : 'short read';
    if (ok !== len) throw new CorruptSegmentError(file, off, typeof ok === 'string' ? ok : 'length mismatch');
    return readMessage(this.buf, RECORD_HEADER, len);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
    this.seg = -1;
  }
}
