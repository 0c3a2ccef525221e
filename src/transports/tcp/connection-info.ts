/**
 * What the management API and metrics see of one TCP connection (read-only snapshot).
 */
import type { EngineConnection } from '../../broker/connection.js';
import type { FieldTable } from '../../protocol/field-value.js';

export interface ConnectionInfo {
  /** "host:port" of the client, also the connection's name (as RabbitMQ's "a:b -> c:d"). */
  peer: string;
  user: string;
  vhost: string;
  state: string;
  connectedAt: number;
  clientProperties: FieldTable;
  heartbeat: number;
  /** The engine side, once connection.open succeeded. */
  engine: EngineConnection | undefined;
  bufferedBytes: number;
}
