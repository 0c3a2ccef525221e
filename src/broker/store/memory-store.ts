/**
 * The default store: keeps nothing beyond counters and reports every message durable at
 * once (a broker restart loses everything, as with transient queues). Also the reference
 * for the MessageStore contract in tests.
 */
import type { Message } from '../message.js';
import type { DurableWaiter, MessageStore } from './message-store.js';

export class MemoryStore implements MessageStore {
  private readonly perQueue = new Map<string, number>();

  persist(
    queueKey: string,
    _seq: number,
    _message: Message,
    _waiter: DurableWaiter | null,
    _token: number,
  ): boolean {
    this.perQueue.set(queueKey, (this.perQueue.get(queueKey) ?? 0) + 1);
    return true;
  }

  remove(queueKey: string, _seq: number): void {
    const n = this.perQueue.get(queueKey);
    if (n !== undefined) this.perQueue.set(queueKey, n - 1);
  }

  dropQueue(queueKey: string): void {
    this.perQueue.delete(queueKey);
  }

  /** Persistent messages currently recorded for a queue (for tests). */
  count(queueKey: string): number {
    return this.perQueue.get(queueKey) ?? 0;
  }
}
