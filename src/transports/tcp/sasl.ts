/**
 * SASL responses of connection.start-ok. PLAIN is `\0user\0password` (an authzid before the
 * first NUL is ignored, as RabbitMQ); AMQPLAIN is a field table *without* its 4-byte length
 * prefix holding LOGIN and PASSWORD. Returns undefined on a malformed response or an unknown
 * mechanism; the caller refuses the login.
 */
import { decodeTable } from '../../protocol/field-table.js';

export interface Credentials {
  user: string;
  password: string;
}

export function parseSaslResponse(mechanism: string, response: Buffer): Credentials | undefined {
  if (mechanism === 'PLAIN') return parsePlain(response);
  if (mechanism === 'AMQPLAIN') return parseAmqplain(response);
  return undefined;
}

function parsePlain(response: Buffer): Credentials | undefined {
  const first = response.indexOf(0);
  if (first < 0) return undefined;
  const second = response.indexOf(0, first + 1);
  if (second < 0) return undefined;
  return {
    user: response.toString('utf8', first + 1, second),
    password: response.toString('utf8', second + 1),
  };
}

function parseAmqplain(response: Buffer): Credentials | undefined {
  const withLength = Buffer.allocUnsafe(response.length + 4);
  withLength.writeUInt32BE(response.length, 0);
  response.copy(withLength, 4);
  let table;
  try {
    table = decodeTable(withLength);
  } catch {
    return undefined;
  }
  const user = asString(table['LOGIN']);
  const password = asString(table['PASSWORD']);
  if (user === undefined || password === undefined) return undefined;
  return { user, password };
}

function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return undefined;
}
