/**
 * Content header payloads: `class-id(2) weight(2) body-size(8)` then the property flags and
 * property list. Only the basic class has properties in 0-9-1.
 *
 * The first 12 bytes are frame structure (a shorter payload is a 501 FRAME_ERROR, as
 * RabbitMQ does); bad property data is a 502 SYNTAX_ERROR. `rawProperties` (flags + list, a
 * view of the payload) lets a broker forward properties without re-encoding them.
 */
import { frameError, unexpectedFrame } from './errors.js';
import { ClassId, FRAME_HEADER } from './generated/constants.js';
import { decodeBasicProperties, encodeBasicProperties } from './generated/properties-codecs.js';
import type { BasicProperties } from './properties.js';
import { Reader } from './reader.js';
import type { Writer } from './writer.js';

/** class-id + weight + body-size. */
export const CONTENT_HEADER_PREFIX = 12;

export interface ContentHeader {
  readonly classId: number;
  readonly bodySize: number;
  readonly properties: BasicProperties;
  /** Property flags + property list as received (a view of the frame payload). */
  readonly rawProperties: Buffer;
}

/** Reads class-id, weight and body-size (weight must be 0, as RabbitMQ requires). */
export function readContentHeaderPrefix(payload: Buffer): {
  classId: number;
  weight: number;
  bodySize: number;
} {
  if (payload.length < CONTENT_HEADER_PREFIX + 2) {
    throw frameError(`content header payload of ${payload.length} bytes is too short`);
  }
  const classId = payload.readUInt16BE(0);
  const weight = payload.readUInt16BE(2);
  const bodySize = payload.readUInt32BE(4) * 0x1_0000_0000 + payload.readUInt32BE(8);
  return { classId, weight, bodySize };
}

const shared = new Reader(Buffer.alloc(0));

/** Decodes the property list of a content header payload for `classId`. */
export function decodeProperties(classId: number, payload: Buffer): BasicProperties {
  if (classId !== ClassId.BASIC)
    throw unexpectedFrame(`content header for class ${classId}, which has no content`);
  const r = shared.reset(payload, CONTENT_HEADER_PREFIX, payload.length);
  const properties = decodeBasicProperties(r);
  r.expectEnd('content properties');
  return properties;
}

/** Decodes a whole content header payload. */
export function decodeContentHeader(payload: Buffer): ContentHeader {
  const { classId, bodySize } = readContentHeaderPrefix(payload);
  const properties = decodeProperties(classId, payload);
  return { classId, bodySize, properties, rawProperties: payload.subarray(CONTENT_HEADER_PREFIX) };
}

/**
 * Appends a content header frame. `properties` may be already-encoded flags + list bytes
 * (e.g. `rawProperties` of a received message), which are copied verbatim.
 */
export function writeContentHeaderFrame(
  w: Writer,
  channel: number,
  classId: number,
  bodySize: number,
  properties: BasicProperties | Uint8Array,
  frameMax: number,
): void {
  const mark = w.beginFrame(FRAME_HEADER, channel);
  w.u16(classId);
  w.u16(0);
  w.u64(bodySize);
  if (properties instanceof Uint8Array) w.bytes(properties);
  else encodeBasicProperties(w, properties);
  w.endFrame(mark, frameMax);
}
