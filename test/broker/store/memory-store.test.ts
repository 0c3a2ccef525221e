// The MessageStore conformance suite on MemoryStore (the default, in-memory store).
import { MemoryStore } from '../../../src/broker/store/memory-store.js';
import { messageStoreSuite } from './message-store.suite.js';

messageStoreSuite({
  name: 'MemoryStore',
  durable: false,
  open: () => Promise.resolve({ store: new MemoryStore(), cleanup: () => Promise.resolve() }),
});
