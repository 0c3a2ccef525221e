/**
 * The on-disk record format of the message log.
 *
 * Segment file = 8-byte magic "WRNLOG02" (segments written before the data-dir manifest
 * existed carry "WRNLOG01"; both read the same), then records. Record = `u32 payload length`,
 * `u32 CRC32 (node:zlib crc32) of the payload`, payload. All integers big-endian.
 * Payload, by first byte:
 * - 1 PUBLISH: u8 flags (bit0 delivered), shortstr-ish u16 queue key, f64 seq, f64 expiresAt,
 *   u8+bytes exchange, u8+bytes routing key, u32 + encoded basic properties, body (rest).
 * - 2 REMOVE: u16 queue key, f64 seq (the message left its queue for good: ack, drop...).
 * - 3 DELIVERED: u16 queue key, f64 seq (delivered at least once: redelivered on recovery).
 * - 4 DROP: u16 queue key (the queue was deleted: every earlier record of it is dead).
 *
 * A record is valid only if its length fits in the file and its CRC matches; segment-scan.ts
 * finds the invalid regions and recovery decides between "torn tail" (only the end of the
 * open segment) and "corrupt" (anything else).
 */
import { crc32 } from 'node:zlib';
import {
  decodeBasicProperties,
  encodeBasicProperties,
} from '../../../protocol/generated/properties-codecs.js';
import { Reader } from '../../../protocol/reader.js';
import type { Writer } from '../../../protocol/writer.js';
import { Message } from '../../message.js';

export const SEGMENT_MAGIC = Buffer.from('WRNLOG02', 'latin1');
/** Segments of data dirs from before the manifest: a dir holding only these may lack one. */
export const LEGACY_SEGMENT_MAGIC = Buffer.from('WRNLOG01', 'latin1');
export const RECORD_HEADER = 8;

export const enum RecordType {
  Publish = 1,
  Remove = 2,
  Delivered = 3,
  Drop = 4,
}

export const FLAG_DELIVERED = 1;

/** Starts a record in `w`; returns the mark to pass to endRecord. */
function beginRecord(w: Writer, type: RecordType): number {
  const mark = w.mark();
  w.ensure(RECORD_HEADER);
  w.pos += RECORD_HEADER;
  w.u8(type);
  return mark;
}

/** Patches length and CRC; returns the record's total length. */
function endRecord(w: Writer, mark: number): number {
  const start = w.start + mark;
  const payloadLen = w.pos - start - RECORD_HEADER;
  w.buf.writeUInt32BE(payloadLen, start);
  w.buf.writeUInt32BE(crc32(w.buf.subarray(start + RECORD_HEADER, w.pos)), start + 4);
  return payloadLen + RECORD_HEADER;
}

function key(w: Writer, queueKey: string): void {
  const len = Buffer.byteLength(queueKey);
  w.u16(len);
  w.ensure(len);
  w.pos += w.buf.write(queueKey, w.pos, 'utf8');
}

function str8(w: Writer, s: string): void {
  const len = Buffer.byteLength(s);
  w.u8(len);
  w.ensure(len);
  w.pos += w.buf.write(s, w.pos, 'utf8');
}

/** Appends a PUBLISH record; returns its total length. */
export function writePublish(w: Writer, queueKey: string, m: Message, flags: number): number {
  const mark = beginRecord(w, RecordType.Publish);
  w.u8(flags);
  key(w, queueKey);
  w.f64(m.seq);
  w.f64(m.expiresAt);
  str8(w, m.exchange);
  str8(w, m.routingKey);
  const lenMark = w.mark();
  w.u32(0);
  encodeBasicProperties(w, m.properties);
  w.patchU32(lenMark, w.mark() - lenMark - 4);
  w.bytes(m.body);
  return endRecord(w, mark);
}

/** Appends a REMOVE or DELIVERED record. */
export function writeSeqRecord(w: Writer, type: RecordType, queueKey: string, seq: number): number {
  const mark = beginRecord(w, type);
  key(w, queueKey);
  w.f64(seq);
  return endRecord(w, mark);
}

export function writeDrop(w: Writer, queueKey: string): number {
  const mark = beginRecord(w, RecordType.Drop);
  key(w, queueKey);
  return endRecord(w, mark);
}

/** A decoded record header: type, queue key, seq and (for PUBLISH) flags. */
export interface RecordHead {
  type: RecordType;
  queueKey: string;
  seq: number;
  flags: number;
}

const reader = new Reader(Buffer.alloc(0));

/** Reads the head of a payload (`buf[start, end)`), without decoding the message. */
export function readHead(buf: Buffer, start: number, end: number, out: RecordHead): void {
  const r = reader.reset(buf, start, end);
  out.type = r.u8();
  out.flags = out.type === RecordType.Publish ? r.u8() : 0;
  const klen = r.u16();
  r.need(klen, 'queue key');
  out.queueKey = buf.toString('utf8', r.pos, r.pos + klen);
  r.pos += klen;
  out.seq = out.type === RecordType.Drop ? 0 : r.f64();
}

/** Decodes the message of a PUBLISH payload (`buf[start, end)`); the body is copied. */
export function readMessage(buf: Buffer, start: number, end: number): Message {
  const r = reader.reset(buf, start, end);
  r.u8();
  const flags = r.u8();
  const klen = r.u16();
  r.pos += klen;
  const seq = r.f64();
  const expiresAt = r.f64();
  const exLen = r.u8();
  const exchange = buf.toString('utf8', r.pos, r.pos + exLen);
  r.pos += exLen;
  const rkLen = r.u8();
  const routingKey = buf.toString('utf8', r.pos, r.pos + rkLen);
  r.pos += rkLen;
  const propsLen = r.u32();
  const propsEnd = r.pos + propsLen;
  const properties = decodeBasicProperties(reader.reset(buf, r.pos, propsEnd));
  const body = Buffer.from(buf.subarray(propsEnd, end));
  const m = new Message(exchange, routingKey, properties, body);
  m.seq = seq;
  m.expiresAt = expiresAt;
  m.redelivered = (flags & FLAG_DELIVERED) !== 0;
  return m;
}

/** Checks the record at `pos`: returns its total length, or a reason it is invalid. */
export function checkRecord(buf: Buffer, pos: number, end: number): number | string {
  if (pos + RECORD_HEADER > end) return 'truncated record header';
  const len = buf.readUInt32BE(pos);
  if (len === 0 || pos + RECORD_HEADER + len > end) return `record length ${len} runs past the end`;
  const crc = buf.readUInt32BE(pos + 4);
  if (crc32(buf.subarray(pos + RECORD_HEADER, pos + RECORD_HEADER + len)) !== crc) return 'checksum mismatch';
  return len + RECORD_HEADER;
}
