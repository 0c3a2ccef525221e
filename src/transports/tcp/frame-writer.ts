/**
 * Coalesces outgoing frames into few socket writes, and tells producers when to stop.
 *
 * Everything a connection sends is encoded straight into one CommandWriter (a growable
 * slab) and flushed on the next macrotask (setImmediate), so a burst of deliveries produced
 * synchronously by the engine becomes a single socket.write: one write per frame caps a
 * Node relay near 240k msgs/s, one per turn reaches millions.
 *
 * Backpressure invariant: `writable` is false once the bytes encoded but not flushed plus the
 * bytes the socket still holds reach `highWaterMark`. The engine reads it before every
 * delivery, so the broker buffers at most highWaterMark plus one message per socket. When a
 * producer saw `writable === false`, `onWritable` fires as soon as there is room again
 * (after a flush that left room, or on the socket's 'drain').
 */
import type { Socket } from 'node:net';
import { CommandWriter } from '../../protocol/command-writer.js';

export const DEFAULT_WRITE_HIGH_WATER_MARK = 1024 * 1024;

/** Output held back until the flush (a channel's coalesced publisher acks). */
export interface PendingOutput {
  flushPending(): void;
}

export interface FrameWriterHooks {
  /** Producers were told to stop and may resume. */
  onWritable(): void;
  /** Bytes went to the socket (heartbeat bookkeeping). */
  onFlush(): void;
}

export class FrameWriter {
  readonly out = new CommandWriter();
  private scheduled = false;
  private closed = false;
  private starved = false;
  private readonly flushNow = (): void => this.flush();
  /** Producers holding output back until the flush (see `holdUntilFlush`). */
  private held: PendingOutput[] = [];

  constructor(
    private readonly socket: Socket,
    private readonly hooks: FrameWriterHooks,
    private readonly highWaterMark = DEFAULT_WRITE_HIGH_WATER_MARK,
  ) {
    socket.on('drain', () => this.maybeResume());
  }

  /** Call after appending to `out`: schedules the flush for the end of this turn. */
  schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(this.flushNow);
  }

  /**
   * `p` holds output back (coalescing it) until the flush; its flushPending() writes it into
   * `out` before the bytes go to the socket. Registered once per flush by the producer.
   */
  holdUntilFlush(p: PendingOutput): void {
    this.held.push(p);
    this.schedule();
  }

  /** Writes every held-back output now (before a connection-level frame that must follow it). */
  releaseHeld(): void {
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const p of held) p.flushPending();
  }

  /** Bytes encoded or queued in the socket and not yet sent. */
  get bufferedBytes(): number {
    return this.out.length + this.socket.writableLength;
  }

  /** True while producers may add more; remembers a refusal so they get woken later. */
  get writable(): boolean {
    if (this.closed) return false;
    if (this.bufferedBytes < this.highWaterMark) return true;
    this.starved = true;
    return false;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Hands everything encoded so far to the socket in one write. */
  flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    this.releaseHeld();
    if (this.out.length === 0) return;
    this.socket.write(this.out.take());
    this.hooks.onFlush();
    this.maybeResume();
  }

  /** Flushes what is encoded, then half-closes the socket (after close-ok, a refused login). */
  end(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.socket.end();
  }

  /** Drops everything (the peer is gone). */
  destroy(): void {
    this.closed = true;
    this.held = [];
    if (this.out.length > 0) this.out.take();
  }

  private maybeResume(): void {
    if (!this.starved || this.closed) return;
    if (this.bufferedBytes >= this.highWaterMark) return;
    this.starved = false;
    this.hooks.onWritable();
  }
}
