/** Failed-job tooling: read, re-drive and discard a task's dead letters. */
export * from './dead-letter.js';
export * from './dead-letter-queue.js';
