/**
 * Publisher confirms for one embedded channel: maps the engine's confirm sequence numbers
 * (1, 2, 3 … per channel, one per basic.publish in confirm mode) to publish promises.
 *
 * Fast path: the engine routes synchronously, so for a transient message the ack (and any
 * basic.return, which the engine sends before the ack, as RabbitMQ) arrives inside the
 * basicPublish call. begin()/end() bracket that call; an outcome seen in between settles
 * the publish with a shared resolved promise — no closure, no map entry — except every
 * so often, when it resolves from setImmediate so a publishing loop yields (yield-budget.ts). Only confirms
 * that arrive later (a durable store persisting asynchronously) go through the map.
 *
 * Invariants: sequence numbers here advance exactly when the engine's do (one per
 * basicPublish that did not throw; a throw closes the channel, ending the numbering);
 * basicPublish on one channel never nests, because the sink never runs user code
 * synchronously (delivery-queue.ts); every pending entry is settled exactly once, by its
 * ack, its nack, or failAll() when the channel closes.
 */
import { MessageReturnedError, PublishNackedError } from '../errors.js';
import { confirmedNow } from './yield-budget.js';

interface Returned {
  replyCode: number;
  replyText: string;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
  exchange: string;
  routingKey: string;
  returned: Returned | undefined;
}

/** What happened to the publish inside the current basicPublish call. */
type Outcome = 0 | 1 | 2;
const NONE: Outcome = 0;
const ACK: Outcome = 1;
const NACK: Outcome = 2;

export class ConfirmTracker {
  #seq = 0;
  #inflight = 0;
  #outcome: Outcome = NONE;
  #returned: Returned | undefined = undefined;
  /** A return seen outside a publish call: belongs to the next single ack. */
  #strayReturn: Returned | undefined = undefined;
  readonly #pending = new Map<number, Pending>();

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Call right before basicPublish. */
  begin(): void {
    this.#inflight = this.#seq + 1;
  }

  /** basicPublish threw: no sequence number was consumed that matters any more. */
  abort(): void {
    this.#inflight = 0;
    this.#outcome = NONE;
    this.#returned = undefined;
  }

  /** Call after basicPublish returned: the promise the publish resolves with. */
  end(exchange: string, routingKey: string): Promise<void> {
    const seq = ++this.#seq;
    const outcome = this.#outcome;
    const returned = this.#returned;
    this.abort();
    if (outcome === ACK) {
      return returned === undefined
        ? confirmedNow()
        : Promise.reject(returnedError(exchange, routingKey, returned));
    }
    if (outcome === NACK) return Promise.reject(new PublishNackedError(exchange, routingKey));
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(seq, { resolve, reject, exchange, routingKey, returned });
    });
  }

  returned(replyCode: number, replyText: string): void {
    if (this.#inflight !== 0) this.#returned = { replyCode, replyText };
    else this.#strayReturn = { replyCode, replyText };
  }

  ack(tag: number, multiple: boolean): void {
    this.#settle(tag, multiple, ACK);
  }

  nack(tag: number, multiple: boolean): void {
    this.#settle(tag, multiple, NACK);
  }

  /** The channel closed: every unconfirmed publish rejects with `error`. */
  failAll(error: Error): void {
    const all = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of all) p.reject(error);
  }

  #settle(tag: number, multiple: boolean, outcome: Outcome): void {
    if (tag === this.#inflight) this.#outcome = outcome;
    if (!multiple) {
      const p = this.#pending.get(tag);
      if (p === undefined) return;
      this.#pending.delete(tag);
      if (this.#strayReturn !== undefined) {
        p.returned ??= this.#strayReturn;
        this.#strayReturn = undefined;
      }
      finish(p, outcome);
      return;
    }
    for (const [seq, p] of this.#pending) {
      if (seq > tag) break;
      this.#pending.delete(seq);
      finish(p, outcome);
    }
  }
}

function finish(p: Pending, outcome: Outcome): void {
  if (outcome === NACK) p.reject(new PublishNackedError(p.exchange, p.routingKey));
  else if (p.returned !== undefined) p.reject(returnedError(p.exchange, p.routingKey, p.returned));
  else p.resolve();
}

function returnedError(exchange: string, routingKey: string, r: Returned): MessageReturnedError {
  return new MessageReturnedError(exchange, routingKey, r.replyCode, r.replyText);
}
