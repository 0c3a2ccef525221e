/**
 * What the server announces in connection.start: RabbitMQ's server-properties shape and
 * capabilities table, so clients that feature-detect on them (amqplib, pika, kombu) enable
 * publisher confirms, basic.nack, consumer cancel notifications, connection.blocked, etc.
 */
import { readFileSync } from 'node:fs';
import type { FieldTable } from '../../protocol/field-value.js';
import type { ConnectionStart } from '../../protocol/generated/methods.js';

export const MECHANISMS = 'PLAIN AMQPLAIN';
export const LOCALES = 'en_US';

export const SERVER_CAPABILITIES: FieldTable = Object.freeze({
  publisher_confirms: true,
  exchange_exchange_bindings: true,
  'basic.nack': true,
  consumer_cancel_notify: true,
  'connection.blocked': true,
  consumer_priorities: true,
  authentication_failure_close: true,
  per_consumer_qos: true,
  direct_reply_to: true,
});

let cachedVersion: string | undefined;

/** The package version (read once; '0.0.0' when package.json cannot be found). */
export function warrenVersion(): string {
  if (cachedVersion !== undefined) return cachedVersion;
  try {
    const url = new URL('../../../package.json', import.meta.url);
    cachedVersion = (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}

export function serverProperties(clusterName: string): FieldTable {
  return {
    capabilities: SERVER_CAPABILITIES,
    cluster_name: clusterName,
    copyright: 'Copyright (c) Warren contributors',
    information: 'Licensed under the MIT license',
    platform: `Node.js ${process.version}`,
    product: 'Warren',
    version: warrenVersion(),
  };
}

export function connectionStart(clusterName: string): ConnectionStart {
  return {
    name: 'connection.start',
    versionMajor: 0,
    versionMinor: 9,
    serverProperties: serverProperties(clusterName),
    mechanisms: Buffer.from(MECHANISMS),
    locales: Buffer.from(LOCALES),
  };
}

/** True when the client's client-properties.capabilities[name] is true. */
export function clientHasCapability(clientProperties: FieldTable, name: string): boolean {
  const caps = clientProperties['capabilities'];
  if (caps === null || typeof caps !== 'object' || Buffer.isBuffer(caps) || Array.isArray(caps)) return false;
  return (caps as FieldTable)[name] === true;
}
