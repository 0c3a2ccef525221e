/**
 * The protocol header a client sends first: `AMQP\0\0\x09\x01` (AMQP 0-9-1).
 *
 * On any other header the server must reply with its own header and close the socket
 * (spec §4.2.2), so a mismatch is not an AmqpError (no connection.close is possible) but a
 * ProtocolHeaderError carrying the bytes received. A mismatch is reported as soon as one
 * byte differs, so `GET / HTTP…` or TLS hellos are rejected without waiting for 8 bytes.
 */
import { PROTOCOL_MAJOR, PROTOCOL_MINOR, PROTOCOL_REVISION } from './generated/constants.js';

export const PROTOCOL_HEADER: Buffer = Buffer.from([
  0x41,
  0x4d,
  0x51,
  0x50,
  0,
  PROTOCOL_MAJOR,
  PROTOCOL_MINOR,
  PROTOCOL_REVISION,
]);

export class ProtocolHeaderError extends Error {
  override readonly name = 'ProtocolHeaderError';
  /** What the peer sent (up to 8 bytes). */
  readonly received: Buffer;
  /** What to send back before closing. */
  readonly reply: Buffer = PROTOCOL_HEADER;

  constructor(received: Buffer) {
    super(`bad protocol header ${describeProtocolHeader(received)}; expected AMQP 0-9-1`);
    this.received = received;
  }
}

export type ProtocolHeaderCheck = 'ok' | 'incomplete' | 'mismatch';

/** Compares the first bytes received with the 0-9-1 header. */
export function checkProtocolHeader(bytes: Uint8Array): ProtocolHeaderCheck {
  const n = Math.min(bytes.length, PROTOCOL_HEADER.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== PROTOCOL_HEADER[i]) return 'mismatch';
  return n === PROTOCOL_HEADER.length ? 'ok' : 'incomplete';
}

/** `AMQP 0-0-9-1`-style text for AMQP headers, a hex dump for anything else. */
export function describeProtocolHeader(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 8));
  if (head.length === 8 && head.toString('latin1', 0, 4) === 'AMQP') {
    return `AMQP ${[head[4], head[5], head[6], head[7]].join('-')}`;
  }
  return `<${head.toString('hex')}>`;
}
