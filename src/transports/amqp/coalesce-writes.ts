/**
 * One socket write per amqplib output pass instead of one per frame.
 *
 * amqplib queues every channel's frames in per-channel streams and a muxer copies them to the
 * socket on the next setImmediate, calling `socket.write` once per frame: each is a syscall of
 * its own (a third of the client's CPU under RPC load in bench/lib/framework-amqp-profile.ts).
 * Corking the socket for the length of one muxer pass turns the pass into a single writev.
 * Frame order and backpressure are unchanged: the muxer still sees `write`'s return value.
 *
 * This reaches into amqplib's connection (`connection.muxer._readIncoming`,
 * `connection.stream`), which is not public API; when the shape is not there (another amqplib
 * version) nothing is changed and amqplib writes as before.
 */
import type { ChannelModel } from 'amqplib';

interface Corkable {
  cork(): void;
  uncork(): void;
}

interface MuxerLike {
  _readIncoming: () => void;
}

export function coalesceWrites(model: ChannelModel): void {
  const connection = (model as unknown as { connection?: { muxer?: unknown; stream?: unknown } }).connection;
  const muxer = connection?.muxer as Partial<MuxerLike> | undefined;
  const socket = connection?.stream as Partial<Corkable> | undefined;
  const readIncoming = muxer?._readIncoming;
  if (typeof readIncoming !== 'function' || typeof socket?.cork !== 'function') return;
  if (typeof socket.uncork !== 'function') return;
  const stream = socket as Corkable;
  (muxer as MuxerLike)._readIncoming = function corkedReadIncoming(this: MuxerLike): void {
    stream.cork();
    try {
      readIncoming.call(this);
    } finally {
      stream.uncork();
    }
  };
}
