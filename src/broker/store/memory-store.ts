/**
 * The default store: keeps nothing and reports every message durable at once (a broker
 * restart loses everything, as with transient queues).
 */
import type { MessageStore } from './message-store.js';

export class MemoryStore implements MessageStore {
  persist(): boolean {
    return true;
  }

  remove(): void {}

  dropQueue(): void {}
}
