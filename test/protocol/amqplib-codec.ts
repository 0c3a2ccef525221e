/**
 * amqplib 2.3.1's codec (lib/defs.js, lib/frame.js), loaded by file path because the package's
 * `exports` map hides them, with just enough typing for the tests and the benchmark.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface AmqplibParsed {
  type: number;
  channel: number;
  size: number;
  payload: Buffer;
  rest: Buffer;
}

export interface AmqplibDefs {
  encodeMethod(id: number, channel: number, fields: Record<string, unknown>): Buffer;
  encodeProperties(classId: number, channel: number, size: number, fields: Record<string, unknown>): Buffer;
  decode(id: number, buf: Buffer): Record<string, unknown>;
  info(id: number): { id: number; name: string; args: { name: string; type: string }[] };
}

export interface AmqplibFrame {
  PROTOCOL_HEADER: string;
  HEARTBEAT_BUF: Buffer;
  makeBodyFrame(channel: number, payload: Buffer): Buffer;
  parseFrame(bin: Buffer, max: number): AmqplibParsed | false;
  decodeFrame(frame: AmqplibParsed): {
    id?: number;
    channel: number;
    size?: number;
    fields?: Record<string, unknown>;
    content?: Buffer;
  };
}

const require = createRequire(import.meta.url);
const root = dirname(require.resolve('amqplib'));

export const defs = require(join(root, 'lib', 'defs.js')) as AmqplibDefs;
export const amqpFrame = require(join(root, 'lib', 'frame.js')) as AmqplibFrame;

/** Splits a byte stream into amqplib's decoded frames. */
export function amqplibFrames(bytes: Buffer): ReturnType<AmqplibFrame['decodeFrame']>[] {
  const out: ReturnType<AmqplibFrame['decodeFrame']>[] = [];
  let rest = bytes;
  while (rest.length > 0) {
    const f = amqpFrame.parseFrame(rest, 0);
    if (f === false) throw new Error('amqplib: incomplete frame');
    out.push(amqpFrame.decodeFrame(f));
    rest = f.rest;
  }
  return out;
}
