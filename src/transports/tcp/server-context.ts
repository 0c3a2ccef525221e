/**
 * What a TCP connection needs from its server: the engine, the user store, limits and the
 * logger. Kept apart from server.ts so connection modules do not import the server.
 */
import type { Broker } from '../../broker/broker.js';
import type { UserStore } from '../../broker/access/user-store.js';
import type { Logger } from './logger.js';

export interface ServerLimits {
  /** channel-max offered in connection.tune (RabbitMQ: 2047). */
  channelMax: number;
  /** frame-max offered in connection.tune (RabbitMQ: 131072). */
  frameMax: number;
  /** Heartbeat interval offered in connection.tune, seconds (RabbitMQ: 60). */
  heartbeat: number;
  /** How long to wait for connection.close-ok (and for the peer to go) before destroying, ms. */
  closeTimeoutMs: number;
  /** Delay before dropping the socket after a handshake error that gets no close, ms (RabbitMQ: 3 s). */
  silentCloseDelayMs: number;
  /** Time allowed from accept to connection.open-ok, ms (RabbitMQ: 10 s). */
  handshakeTimeoutMs: number;
  /** Bytes buffered for one socket before deliveries to it stop. */
  writeHighWaterMark: number;
}

export interface ServerContext {
  readonly broker: Broker;
  readonly users: UserStore;
  readonly logger: Logger;
  readonly limits: ServerLimits;
  readonly clusterName: string;
  /** True while the process is over its memory high watermark. */
  readonly memoryAlarm: boolean;
  /** True while the data dir's free space is under the disk free limit. */
  readonly diskAlarm: boolean;
  connectionClosed(connection: object): void;
}
