/**
 * A transactional channel's pending work (tx.select): publishes and settlements are held
 * here until tx.commit applies them in order, or tx.rollback discards them. As in RabbitMQ,
 * delivery tags are checked when the ack arrives (unknown tag = 406 at once) and the acked
 * deliveries leave the unacked log; rollback puts them back, still unacknowledged.
 */
import type { BasicProperties } from '../../protocol/properties.js';
import type { UnackedEntry } from './unacked-log.js';

export interface TxPublish {
  kind: 'publish';
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  properties: BasicProperties;
  body: Buffer;
}

export interface TxSettle {
  kind: 'ack' | 'requeue' | 'discard';
  entries: UnackedEntry[];
}

export type TxOp = TxPublish | TxSettle;

export class TxBuffer {
  ops: TxOp[] = [];

  take(): TxOp[] {
    const ops = this.ops;
    this.ops = [];
    return ops;
  }

  /** The settled deliveries of every buffered ack/nack/reject (for rollback). */
  settledEntries(): UnackedEntry[] {
    const out: UnackedEntry[] = [];
    for (const op of this.ops) if (op.kind !== 'publish') out.push(...op.entries);
    return out;
  }
}
