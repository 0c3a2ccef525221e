/**
 * A transactional channel's pending work (tx.select): publishes and settlements are held
 * here until tx.commit applies them in order, or tx.rollback discards them. As in RabbitMQ,
 * delivery tags are checked when the ack arrives (unknown tag = 406 at once) and the acked
 * deliveries leave the unacked log; rollback puts them back, still unacknowledged.
 *
 * Invariants: ops are applied in the order they arrived; a buffered settlement's entries
 * are in neither the unacked log nor the channel's prefetch count until rollback.
 */
import type { BasicProperties } from '../../protocol/properties.js';
import { messageTtl } from './expiration.js';
import type { PublishRouter } from './publish.js';
import { applySettlement } from './settlement.js';
import type { Settlement } from './settlement.js';
import type { UnackedEntry, UnackedLog } from './unacked-log.js';

export interface TxPublish {
  kind: 'publish';
  exchange: string;
  routingKey: string;
  mandatory: boolean;
  properties: BasicProperties;
  body: Buffer;
}

export interface TxSettle {
  kind: Settlement;
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

  /** tx.commit: routes the buffered publishes and applies the settlements, in order. */
  commit(router: PublishRouter): void {
    for (const op of this.take()) {
      if (op.kind === 'publish') {
        const { exchange, routingKey, mandatory, properties, body } = op;
        router.route(exchange, routingKey, mandatory, properties, body, messageTtl(properties), 0);
      } else {
        for (const e of op.entries) applySettlement(op.kind, e.message, e.queue, e.consumer);
      }
    }
  }

  /**
   * tx.rollback: drops the buffer and puts the deliveries its settlements took back into
   * `log`, unacknowledged. Returns how many prefetch slots (consumer deliveries) they retake.
   */
  rollback(log: UnackedLog): number {
    const entries = this.settledEntries();
    this.take();
    let slots = 0;
    for (const e of entries) {
      if (e.consumer === null) continue;
      e.consumer.unacked++;
      slots++;
    }
    log.restore(entries);
    return slots;
  }

  /** The settled deliveries of every buffered ack/nack/reject (for rollback). */
  settledEntries(): UnackedEntry[] {
    const out: UnackedEntry[] = [];
    for (const op of this.ops) if (op.kind !== 'publish') out.push(...op.entries);
    return out;
  }
}
