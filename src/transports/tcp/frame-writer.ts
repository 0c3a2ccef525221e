/**
 * Coalesces outgoing frames into few socket writes.
 *
 * One socket.write() per frame caps a Node relay near 240k msgs/s; gathering everything
 * produced in one turn of the event loop and writing it at once reaches millions. Frames
 * are queued as Buffers and flushed on the next macrotask (setImmediate), so a burst of
 * deliveries produced synchronously by the engine becomes one writev.
 *
 * Backpressure: `writable` turns false when the socket's own buffer passes its high-water
 * mark; the owner stops producing (the engine stops dispatching to this connection) and
 * `onDrain` fires when the socket has drained.
 */
import type { Socket } from 'node:net';

export class FrameWriter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private closed = false;
  private readonly flushNow = (): void => this.flush();

  constructor(
    private readonly socket: Socket,
    private readonly onDrain: () => void,
  ) {
    socket.on('drain', () => {
      if (!this.closed) this.onDrain();
    });
  }

  /** Queues one or more encoded frames for the next flush. */
  write(buf: Buffer): void {
    if (this.closed) return;
    this.pending.push(buf);
    this.pendingBytes += buf.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** True while the socket can take more without buffering past its high-water mark. */
  get writable(): boolean {
    return !this.closed && !this.socket.writableNeedDrain;
  }

  /** Bytes queued here and not yet handed to the socket. */
  get queuedBytes(): number {
    return this.pendingBytes;
  }

  /** Hands everything queued to the socket in one write. */
  flush(): void {
    this.scheduled = false;
    if (this.closed || this.pending.length === 0) return;
    const chunk =
      this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    this.socket.write(chunk);
  }

  /** Flushes what is queued, then ends the socket (after close-ok, or a refused login). */
  end(): void {
    this.flush();
    this.closed = true;
    this.socket.end();
  }

  /** Drops everything queued (the peer is gone). */
  destroy(): void {
    this.closed = true;
    this.pending = [];
    this.pendingBytes = 0;
  }
}
