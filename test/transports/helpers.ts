// Transport-agnostic test helpers: bounded waits, a message inbox, unique names. Nothing
// here knows about the engine, so the conformance suite can run against any broker.
import { randomBytes } from 'node:crypto';
import type { TransportMessage } from '../../src/transports/transport.js';

export const STEP_TIMEOUT = 2000;

/** A name no other test (or earlier run against a real broker) uses. */
export function uniq(prefix: string): string {
  return `warren-test.${prefix}.${randomBytes(5).toString('hex')}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects if `promise` does not settle within `ms`. */
export async function within<T>(promise: Promise<T>, label: string, ms = STEP_TIMEOUT): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${label}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves once `predicate` holds (polled). */
export async function until(predicate: () => boolean, label: string, ms = STEP_TIMEOUT): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${label}`);
    await sleep(2);
  }
}

/** Collects consumed messages; `take(n)` waits for the first n. */
export class Inbox {
  readonly messages: TransportMessage[] = [];
  readonly push = (m: TransportMessage): void => {
    this.messages.push(m);
  };

  async take(n: number, label = `${n} messages`): Promise<TransportMessage[]> {
    await until(() => this.messages.length >= n, label);
    return this.messages.slice(0, n);
  }

  bodies(): string[] {
    return this.messages.map((m) => m.body.toString());
  }
}

/** The reply code of an AMQP error (undefined for anything else). */
export function replyCodeOf(err: unknown): number | undefined {
  if (err !== null && typeof err === 'object' && 'replyCode' in err && typeof err.replyCode === 'number') {
    return err.replyCode;
  }
  return undefined;
}

/** Awaits a rejection and returns the error. */
export async function rejection(promise: Promise<unknown>, label: string): Promise<unknown> {
  try {
    await within(promise, label);
  } catch (e) {
    return e;
  }
  throw new Error(`expected a rejection: ${label}`);
}

export const text = (s: string): Buffer => Buffer.from(s);
