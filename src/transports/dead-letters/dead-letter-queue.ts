/**
 * Operations on a task's dead-letter queue (`<queue>.dead`, see framework/retry-topology.ts)
 * over any TransportChannel, so the CLI (over AMQP, to Warren's server or RabbitMQ) and the
 * management API (over the embedded engine, as the requesting user) act the same.
 *
 * Messages are read with basic.get and held unacknowledged while the queue is walked, so a
 * message that is not selected is not read twice; held messages are released (nack, requeue)
 * at the end and stay in the queue. A re-driven message is published (mandatory, confirmed) to
 * the work queue first and acked in the dead-letter queue only after the broker confirmed the
 * copy: a failure in between leaves it in both places, never in neither.
 */
import type { TransportChannel, TransportMessage } from '../transport.js';
import { describeDeadLetter, resetHeaders, type DeadLetter } from './dead-letter.js';

/** Which dead letters an operation applies to; at least one criterion must be given. */
export interface DeadLetterSelection {
  /** Message ids (or `#<position>`). */
  ids?: readonly string[];
  /** Every message (combined with the filters below when they are given). */
  all?: boolean;
  /** Matches the error name or message (x-warren-error-name / x-warren-error). */
  error?: RegExp;
  /** Equals the dead reason (x-warren-dead-reason, else x-death's reason). */
  reason?: string;
}

/** What an operation did: the ids it acted on, and the ids asked for that were not found. */
export interface DeadLetterOutcome {
  ids: string[];
  missing: string[];
}

export class DeadLetterSelectionError extends Error {
  override readonly name = 'DeadLetterSelectionError';
}

/** The dead-letter queue of a work queue. */
export function deadQueueOf(queue: string): string {
  return `${queue}.dead`;
}

/** At most this many messages are held unacknowledged by one walk of a dead-letter queue. */
export const MAX_WALK = 100_000;

/** Reads up to `limit` dead letters, oldest first, and leaves them all in the queue. */
export async function peekDeadLetters(
  ch: TransportChannel,
  deadQueue: string,
  limit: number,
): Promise<DeadLetter[]> {
  const out: DeadLetter[] = [];
  await walk(ch, deadQueue, limit, (letter) => {
    out.push(letter);
    return Promise.resolve(false);
  });
  return out;
}

export interface RedriveOptions {
  deadQueue: string;
  /** The work queue the copies go to (through the default exchange). */
  workQueue: string;
  selection: DeadLetterSelection;
  /** Edit-and-retry: the new body (only with exactly one id). */
  payload?: Buffer;
  /** New content type for `payload`. */
  contentType?: string;
}

/** Moves the selected dead letters back to the work queue with attempts reset; their ids. */
export async function redriveDeadLetters(
  ch: TransportChannel,
  o: RedriveOptions,
): Promise<DeadLetterOutcome> {
  const select = selector(o.selection);
  if (o.payload !== undefined && o.selection.ids?.length !== 1) {
    throw new DeadLetterSelectionError('a new payload needs exactly one message id');
  }
  const moved: string[] = [];
  await walk(ch, o.deadQueue, MAX_WALK, async (letter, message) => {
    if (!select(letter)) return false;
    const { deliveryMode, headers, ...properties } = message.properties;
    await ch.publish('', o.workQueue, o.payload ?? message.body, {
      ...properties,
      ...(o.payload !== undefined && o.contentType !== undefined ? { contentType: o.contentType } : {}),
      headers: resetHeaders(headers),
      persistent: deliveryMode !== 1,
      mandatory: true,
    });
    moved.push(letter.id);
    return true;
  });
  return outcome(o.selection, moved);
}

/** Deletes the selected dead letters; their ids. */
export async function discardDeadLetters(
  ch: TransportChannel,
  deadQueue: string,
  selection: DeadLetterSelection,
): Promise<DeadLetterOutcome> {
  const select = selector(selection);
  const removed: string[] = [];
  await walk(ch, deadQueue, MAX_WALK, (letter) => {
    if (!select(letter)) return Promise.resolve(false);
    removed.push(letter.id);
    return Promise.resolve(true);
  });
  return outcome(selection, removed);
}

/**
 * Walks the messages that are in `queue` now (at most `limit`): `act` returns true to ack
 * the message (it was handled), false to keep it. Kept messages are requeued at the end.
 */
async function walk(
  ch: TransportChannel,
  queue: string,
  limit: number,
  act: (letter: DeadLetter, message: TransportMessage) => Promise<boolean>,
): Promise<void> {
  const { messageCount } = await ch.checkQueue(queue);
  const kept: TransportMessage[] = [];
  try {
    for (let position = 1; position <= Math.min(messageCount, limit); position++) {
      const message = await ch.get(queue);
      if (message === null) break;
      kept.push(message);
      if (await act(describeDeadLetter(message, position), message)) {
        kept.pop();
        ch.ack(message);
      }
    }
  } finally {
    for (const message of kept) ch.nack(message, true);
  }
  // A round trip on the same channel: the broker has processed the acks and nacks above
  // before it answers, so a caller may close the connection at once (a client that queues each
  // channel's frames apart, as amqplib does, can otherwise write connection.close ahead of a
  // channel's last acks, and they are lost).
  await ch.checkQueue(queue);
}

function selector(s: DeadLetterSelection): (letter: DeadLetter) => boolean {
  const ids = s.ids !== undefined && s.ids.length > 0 ? new Set(s.ids) : undefined;
  if (ids === undefined && s.all !== true && s.error === undefined && s.reason === undefined) {
    throw new DeadLetterSelectionError('select messages by id, or pass all, an error pattern or a reason');
  }
  return (letter) =>
    (ids === undefined || ids.has(letter.id)) &&
    (s.error === undefined || s.error.test(letter.errorName ?? '') || s.error.test(letter.error ?? '')) &&
    (s.reason === undefined || letter.reason === s.reason);
}

/** The outcome; an error when ids were asked for and none was found. */
function outcome(s: DeadLetterSelection, done: string[]): DeadLetterOutcome {
  const missing = (s.ids ?? []).filter((id) => !done.includes(id));
  if (missing.length > 0 && done.length === 0) {
    throw new DeadLetterSelectionError(`no dead letter with id ${missing.join(', ')}`);
  }
  return { ids: done, missing };
}
