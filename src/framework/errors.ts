/**
 * The framework's error model. Every failure the framework reports (a bad payload, an RPC that
 * timed out, a publish nobody could route) is a `FrameworkError` with a stable `code` to branch
 * on and a `retryable` flag the worker and callers use to decide whether trying again can help.
 * AMQP-level failures stay `AmqpError`s (src/protocol/errors.ts); these sit one layer above.
 */

/** Every code a `FrameworkError` can carry (the lead documents them in docs/errors.md). */
export const FRAMEWORK_ERROR_CODES = [
  'ERR_VALIDATION',
  'ERR_RPC_TIMEOUT',
  'ERR_NO_HANDLER',
  'ERR_UNROUTABLE',
  'ERR_REMOTE',
  'ERR_UNRECOVERABLE',
  'ERR_TASK_TIMEOUT',
  'ERR_CONNECTION_LOST',
  'ERR_BUFFER_FULL',
  'ERR_CONSUMER_CANCELLED',
  'ERR_SHUTDOWN',
  'ERR_JOB_CANCELLED',
  'ERR_JOB_FAILED',
  'ERR_JOB_WAIT_TIMEOUT',
  'ERR_UNKNOWN_JOB',
  'ERR_GROUP_MEMBER_FAILED',
  'ERR_INVALID_BACKOFF',
] as const;

export type FrameworkErrorCode = (typeof FRAMEWORK_ERROR_CODES)[number];

/** Options shared by every framework error: the standard `cause`, and a retry override. */
export interface FrameworkErrorOptions extends ErrorOptions {
  retryable?: boolean;
}

/**
 * Base class of all framework errors.
 *
 * @example
 * try { await client.call('mailer.stats', {}); }
 * catch (err) { if (err instanceof FrameworkError && err.retryable) retryLater(); }
 */
export abstract class FrameworkError extends Error {
  abstract readonly code: FrameworkErrorCode;
  readonly retryable: boolean;

  protected constructor(message: string, defaultRetryable: boolean, options?: FrameworkErrorOptions) {
    super(message, options);
    this.retryable = options?.retryable ?? defaultRetryable;
  }

  /** JSON-safe extra data sent with an RPC error reply (see rpc-error-codec.ts). */
  toReplyData(): unknown {
    return undefined;
  }
}

/** One schema violation, as reported by ajv, reduced to JSON-safe fields. */
export interface ValidationIssue {
  /** JSON Pointer to the failing value, '' for the root (ajv's instancePath). */
  instancePath: string;
  schemaPath: string;
  keyword: string;
  message: string;
  params: Record<string, unknown>;
}

/**
 * A payload did not match its schema. Never retryable: the same payload fails again.
 *
 * @example
 * if (err instanceof ValidationError) console.log(err.fields); // ['/to', '/subject']
 */
export class ValidationError extends FrameworkError {
  override readonly name = 'ValidationError';
  readonly code = 'ERR_VALIDATION' as const;
  /** The failing fields as JSON Pointers; a missing required property is named by its own path. */
  readonly fields: readonly string[];

  constructor(
    message: string,
    readonly issues: readonly ValidationIssue[],
    options?: FrameworkErrorOptions,
  ) {
    super(message, false, options);
    this.fields = [...new Set(issues.map(issueField))];
  }

  override toReplyData(): unknown {
    return { fields: this.fields, issues: this.issues };
  }
}

function issueField(issue: ValidationIssue): string {
  const missing = issue.params['missingProperty'];
  return issue.keyword === 'required' && typeof missing === 'string'
    ? `${issue.instancePath}/${missing}`
    : issue.instancePath;
}

/** An RPC call got no reply within its timeout. Retryable: the server may just be slow. */
export class RpcTimeoutError extends FrameworkError {
  override readonly name = 'RpcTimeoutError';
  readonly code = 'ERR_RPC_TIMEOUT' as const;

  constructor(
    readonly rpcName: string,
    readonly timeoutMs: number,
    options?: FrameworkErrorOptions,
  ) {
    super(`RPC "${rpcName}" got no reply within ${timeoutMs} ms`, true, options);
  }

  /** Sent when the server's handler timed out, so the caller rebuilds this error. */
  override toReplyData(): unknown {
    return { rpcName: this.rpcName, timeoutMs: this.timeoutMs };
  }
}

/** No handler is registered for a task or RPC name (nothing consumes its queue). */
export class NoHandlerError extends FrameworkError {
  override readonly name = 'NoHandlerError';
  readonly code = 'ERR_NO_HANDLER' as const;

  constructor(
    readonly handlerName: string,
    options?: FrameworkErrorOptions,
  ) {
    super(`no handler for "${handlerName}"`, false, options);
  }
}

/** A mandatory publish reached no queue (basic.return). */
export class UnroutableError extends FrameworkError {
  override readonly name = 'UnroutableError';
  readonly code = 'ERR_UNROUTABLE' as const;

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    options?: FrameworkErrorOptions,
  ) {
    const where = exchange === '' ? 'the default exchange' : `exchange "${exchange}"`;
    super(`message to ${where} with routing key "${routingKey}" was unroutable`, false, options);
  }
}

/** What an RPC error reply carries: the remote error without its stack. */
export interface RemoteErrorInfo {
  name: string;
  message: string;
  code?: string;
  data?: unknown;
  retryable?: boolean;
}

/**
 * The RPC handler threw. Rebuilt on the caller from the error reply; the remote stack is
 * never sent, so `stack` points at the caller.
 *
 * @example
 * catch (err) { if (err instanceof RemoteError && err.remoteCode === 'ERR_VALIDATION') … }
 */
export class RemoteError extends FrameworkError {
  override readonly name = 'RemoteError';
  readonly code = 'ERR_REMOTE' as const;
  readonly remoteName: string;
  readonly remoteCode: string | undefined;
  readonly data: unknown;

  constructor(info: RemoteErrorInfo, options?: FrameworkErrorOptions) {
    super(info.message, info.retryable ?? false, options);
    this.remoteName = info.name;
    this.remoteCode = info.code;
    this.data = info.data;
  }

  override toReplyData(): unknown {
    return this.data;
  }
}

/**
 * Thrown by a task handler to say "do not retry": the message goes straight to the dead-letter
 * queue (as BullMQ's UnrecoverableError).
 *
 * @example
 * if (!user) throw new UnrecoverableError(`user ${id} does not exist`);
 */
export class UnrecoverableError extends FrameworkError {
  override readonly name = 'UnrecoverableError';
  readonly code = 'ERR_UNRECOVERABLE' as const;

  constructor(message: string, options?: ErrorOptions) {
    super(message, false, options);
  }
}

/** A task handler ran past its timeout (its `ctx.signal` was aborted). Retryable. */
export class TaskTimeoutError extends FrameworkError {
  override readonly name = 'TaskTimeoutError';
  readonly code = 'ERR_TASK_TIMEOUT' as const;

  constructor(
    readonly taskName: string,
    readonly timeoutMs: number,
    options?: FrameworkErrorOptions,
  ) {
    super(`task "${taskName}" timed out after ${timeoutMs} ms`, true, options);
  }
}

/** The connection dropped while an operation (a pending RPC call, a confirm) was in flight. */
export class ConnectionLostError extends FrameworkError {
  override readonly name = 'ConnectionLostError';
  readonly code = 'ERR_CONNECTION_LOST' as const;

  constructor(message = 'connection to the broker was lost', options?: FrameworkErrorOptions) {
    super(message, true, options);
  }
}

/** The publish buffer that holds messages during an outage is full. */
export class BufferFullError extends FrameworkError {
  override readonly name = 'BufferFullError';
  readonly code = 'ERR_BUFFER_FULL' as const;

  constructor(
    readonly capacity: number,
    options?: FrameworkErrorOptions,
  ) {
    super(`publish buffer is full (${capacity} messages) while disconnected`, true, options);
  }
}

/**
 * The broker cancelled a consumer (basic.cancel: its queue was deleted, or a quorum queue lost
 * its leader). Reported to onError; the consumer redeclares its queue and subscribes again.
 */
export class ConsumerCancelledError extends FrameworkError {
  override readonly name = 'ConsumerCancelledError';
  readonly code = 'ERR_CONSUMER_CANCELLED' as const;

  constructor(
    readonly handlerName: string,
    readonly queue: string,
    options?: FrameworkErrorOptions,
  ) {
    super(
      `the broker cancelled the consumer of "${handlerName}" on queue "${queue}" (queue deleted?)`,
      true,
      options,
    );
  }
}

/** The app is shutting down; new work is refused and pending calls are failed. */
export class ShutdownError extends FrameworkError {
  override readonly name = 'ShutdownError';
  readonly code = 'ERR_SHUTDOWN' as const;

  constructor(message = 'Warren is shutting down', options?: FrameworkErrorOptions) {
    super(message, false, options);
  }
}

/**
 * The job was cancelled (`job.cancel()`): what `job.result()` rejects with, and the reason a
 * running handler's `ctx.signal` is aborted with. Not retryable: a cancelled job never runs again.
 */
export class JobCancelledError extends FrameworkError {
  override readonly name = 'JobCancelledError';
  readonly code = 'ERR_JOB_CANCELLED' as const;

  constructor(
    readonly jobId: string,
    options?: FrameworkErrorOptions,
  ) {
    super(`job ${jobId} was cancelled`, false, options);
  }
}

/**
 * `job.result()` of a job that ended failed or dead: carries the recorded error's name, message
 * and code (the original error object stayed in the worker's process).
 */
export class JobFailedError extends FrameworkError {
  override readonly name = 'JobFailedError';
  readonly code = 'ERR_JOB_FAILED' as const;

  constructor(
    readonly jobId: string,
    readonly state: 'failed' | 'dead',
    readonly error: { name: string; message: string; code?: string } | undefined,
    options?: FrameworkErrorOptions,
  ) {
    super(
      `job ${jobId} ${state}: ${error ? `${error.name}: ${error.message}` : 'no error recorded'}`,
      false,
      options,
    );
  }
}

/** `job.result({ timeout })` gave up waiting; the job itself goes on. Retryable (wait again). */
export class JobWaitTimeoutError extends FrameworkError {
  override readonly name = 'JobWaitTimeoutError';
  readonly code = 'ERR_JOB_WAIT_TIMEOUT' as const;

  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
    readonly lastState: string | undefined,
    options?: FrameworkErrorOptions,
  ) {
    super(
      `job ${jobId} did not finish within ${timeoutMs} ms (state: ${lastState ?? 'unknown'})`,
      true,
      options,
    );
  }
}

/** The job store has no job with this id (never enqueued through it, or removed by retention). */
export class UnknownJobError extends FrameworkError {
  override readonly name = 'UnknownJobError';
  readonly code = 'ERR_UNKNOWN_JOB' as const;

  constructor(
    readonly jobId: string,
    options?: FrameworkErrorOptions,
  ) {
    super(`no job ${jobId} in the job store`, false, options);
  }
}

/**
 * A member of a group ended failed, dead or cancelled, so the group's callback (a chord's) will
 * never run: the error its job is recorded failed with (with the default `onMemberFailure:
 * 'fail'`), which `group.callback.result()` rejects with as a JobFailedError carrying this code.
 */
export class GroupMemberFailedError extends FrameworkError {
  override readonly name = 'GroupMemberFailedError';
  readonly code = 'ERR_GROUP_MEMBER_FAILED' as const;

  constructor(
    readonly groupId: string,
    readonly memberId: string,
    readonly memberState: string,
    options?: FrameworkErrorOptions,
  ) {
    super(
      `member ${memberId} of group ${groupId} ended ${memberState}: the callback does not run`,
      false,
      options,
    );
  }
}

/**
 * A per-enqueue `backoff` (`enqueue(…, { backoff })`) that is not a valid backoff: the enqueue
 * rejects with this before anything is recorded or published.
 */
export class InvalidBackoffError extends FrameworkError {
  override readonly name = 'InvalidBackoffError';
  readonly code = 'ERR_INVALID_BACKOFF' as const;

  constructor(message: string, options?: FrameworkErrorOptions) {
    super(`invalid backoff: ${message}`, false, options);
  }
}

/** True when `err` is a FrameworkError, optionally with the given code. */
export function isFrameworkError(err: unknown, code?: FrameworkErrorCode): err is FrameworkError {
  return err instanceof FrameworkError && (code === undefined || err.code === code);
}
