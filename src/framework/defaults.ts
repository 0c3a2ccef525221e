/**
 * The framework's default settings, named so they are documented and tested in one place.
 * Each is bounded: a default never lets one slow handler hoard a queue, retry forever or wait
 * forever.
 */
import type { ResolvedBackoff } from './options.js';

/** Unacknowledged deliveries per consumer. */
export const DEFAULT_PREFETCH = 10;
/** Retries after the first failed attempt (4 attempts in all). */
export const DEFAULT_RETRIES = 3;
/** Exponential backoff from 1 s, capped at 5 min, no jitter. */
export const DEFAULT_BACKOFF: Readonly<ResolvedBackoff> = Object.freeze({
  type: 'exponential',
  delay: 1000,
  maxDelay: 300_000,
  jitter: 0,
});
/** Task handler timeout: 15 min, under RabbitMQ's 30 min default consumer (ack) timeout. */
export const DEFAULT_TASK_TIMEOUT = 15 * 60_000;
/** RPC reply timeout. */
export const DEFAULT_RPC_TIMEOUT = 30_000;
/** Task queues survive broker restarts by default. */
export const DEFAULT_TASK_DURABLE = true;
/** RPC request queues are transient by default: callers time out anyway if the broker restarts. */
export const DEFAULT_RPC_DURABLE = false;

/** Upper bounds the decorators enforce. */
export const MAX_PREFETCH = 65_535; // basic.qos prefetch-count is a short
export const MAX_RETRIES = 1000;
/** Longest timer Node can run (setTimeout's limit), also the longest delay or timeout. */
export const MAX_TIMEOUT = 2 ** 31 - 1;
/** AMQP x-max-priority range; RabbitMQ advises ≤ 10 for performance. */
export const MAX_PRIORITY = 255;
/**
 * Longest task/RPC/queue name in bytes: leaves room under AMQP's 255-byte short string for the
 * suffixes the retry topology adds (`.retry.<ms>`, `.dead`).
 */
export const MAX_NAME_BYTES = 200;
