/**
 * Checks that a parsed definitions.json has the shape the restore needs, before anything is
 * restored: a file edited by hand or damaged into valid-but-wrong JSON is reported as one
 * line naming the first wrong field (`queues[2].name is not a string`) instead of a
 * TypeError half way through re-declaring queues.
 */
import { decodeTable } from '../../protocol/field-table.js';

type Check = (v: unknown, at: string) => string | undefined;

const str: Check = (v, at) => (typeof v === 'string' ? undefined : `${at} is not a string`);
const bool: Check = (v, at) => (typeof v === 'boolean' ? undefined : `${at} is not true or false`);
const optional =
  (c: Check): Check =>
  (v, at) =>
    v === undefined ? undefined : c(v, at);

const table: Check = (v, at) => {
  if (typeof v !== 'string') return `${at} is not a base64 field table`;
  try {
    decodeTable(Buffer.from(v, 'base64'));
    return undefined;
  } catch (e) {
    return `${at} is not a valid field table (${(e as Error).message})`;
  }
};

const regex: Check = (v, at) => {
  if (typeof v !== 'string') return `${at} is not a string`;
  try {
    new RegExp(v);
    return undefined;
  } catch {
    return `${at} is not a valid regular expression`;
  }
};

const oneOf =
  (...values: string[]): Check =>
  (v, at) =>
    values.includes(v as string) ? undefined : `${at} is not one of ${values.join(', ')}`;

function object(fields: Record<string, Check>): Check {
  return (v, at) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at} is not an object`;
    const o = v as Record<string, unknown>;
    for (const [k, c] of Object.entries(fields)) {
      const bad = c(o[k], at === '' ? k : `${at}.${k}`);
      if (bad !== undefined) return bad;
    }
    return undefined;
  };
}

function list(item: Check): Check {
  return (v, at) => {
    if (!Array.isArray(v)) return `${at} is not an array`;
    for (let i = 0; i < v.length; i++) {
      const bad = item(v[i], `${at}[${i}]`);
      if (bad !== undefined) return bad;
    }
    return undefined;
  };
}

const usersShape = object({
  users: list(object({ name: str, passwordHash: str, hashingAlgorithm: str, tags: list(str) })),
  permissions: list(object({ user: str, vhost: str, configure: regex, write: regex, read: regex })),
  loopbackOnly: list(str),
});

const snapshotShape = object({
  version: (v, at) => (v === 1 ? undefined : `${at} is not 1`),
  vhosts: list(str),
  exchanges: list(
    object({
      vhost: str,
      name: str,
      type: str,
      durable: bool,
      autoDelete: bool,
      internal: bool,
      arguments: table,
    }),
  ),
  queues: list(object({ vhost: str, name: str, durable: bool, autoDelete: bool, arguments: table })),
  bindings: list(
    object({
      vhost: str,
      source: str,
      destination: str,
      destinationType: oneOf('queue', 'exchange'),
      routingKey: str,
      arguments: table,
    }),
  ),
  users: optional(usersShape),
  policies: optional(
    list(
      object({
        vhost: str,
        name: str,
        pattern: regex,
        applyTo: oneOf('queues', 'exchanges', 'all'),
        priority: (v, at) => (typeof v === 'number' ? undefined : `${at} is not a number`),
        definition: (v, at) =>
          typeof v === 'object' && v !== null && !Array.isArray(v) ? undefined : `${at} is not an object`,
      }),
    ),
  ),
});

/** Parses definitions.json text: the snapshot, or what is wrong with it (one line). */
export function parseDefinitions(text: string): { snapshot: unknown } | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { error: `not valid JSON (${(e as Error).message})` };
  }
  const bad = snapshotShape(raw, '');
  if (bad !== undefined) return { error: bad === ' is not an object' ? 'not a JSON object' : bad };
  return { snapshot: raw };
}
