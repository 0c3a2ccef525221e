// Framework errors carry a code, a retryable flag, a name and a cause; RPC error replies
// survive a round trip without the remote stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BufferFullError,
  ConnectionLostError,
  FRAMEWORK_ERROR_CODES,
  FrameworkError,
  GroupMemberFailedError,
  InvalidBackoffError,
  JobCancelledError,
  JobFailedError,
  JobWaitTimeoutError,
  NoHandlerError,
  RPC_ERROR_HEADER,
  RemoteError,
  RpcTimeoutError,
  ShutdownError,
  ConsumerCancelledError,
  TaskTimeoutError,
  UnknownJobError,
  UnrecoverableError,
  UnroutableError,
  ValidationError,
  deserializeRpcError,
  isRpcErrorReply,
  serializeRpcError,
} from '../../src/framework/index.js';

const samples: FrameworkError[] = [
  new ValidationError('bad', []),
  new RpcTimeoutError('r', 10),
  new NoHandlerError('t'),
  new UnroutableError('', 'q'),
  new RemoteError({ name: 'TypeError', message: 'boom' }),
  new UnrecoverableError('no'),
  new TaskTimeoutError('t', 5),
  new ConnectionLostError(),
  new BufferFullError(100),
  new ShutdownError(),
  new JobCancelledError('j'),
  new JobFailedError('j', 'failed', { name: 'Error', message: 'x' }),
  new JobWaitTimeoutError('j', 10, 'active'),
  new UnknownJobError('j'),
  new ConsumerCancelledError('t', 'q'),
  new GroupMemberFailedError('g', 'g.1', 'failed'),
  new InvalidBackoffError('backoff.delay must be ≥ 0'),
];

test('every error class has its own code from FRAMEWORK_ERROR_CODES, a name and instanceof chain', () => {
  assert.deepEqual(samples.map((e) => e.code).sort(), [...FRAMEWORK_ERROR_CODES].sort());
  for (const e of samples) {
    assert.ok(e instanceof Error && e instanceof FrameworkError);
    assert.equal(e.name, e.constructor.name);
    assert.match(e.code, /^ERR_[A-Z_]+$/);
    assert.ok(e.stack?.includes(e.name));
  }
});

test('retryable defaults: transient failures yes, permanent ones no; overridable', () => {
  const retryable = Object.fromEntries(samples.map((e) => [e.code, e.retryable]));
  assert.deepEqual(retryable, {
    ERR_VALIDATION: false,
    ERR_RPC_TIMEOUT: true,
    ERR_NO_HANDLER: false,
    ERR_UNROUTABLE: false,
    ERR_REMOTE: false,
    ERR_UNRECOVERABLE: false,
    ERR_TASK_TIMEOUT: true,
    ERR_CONNECTION_LOST: true,
    ERR_CONSUMER_CANCELLED: true,
    ERR_BUFFER_FULL: true,
    ERR_SHUTDOWN: false,
    ERR_JOB_CANCELLED: false,
    ERR_JOB_FAILED: false,
    ERR_JOB_WAIT_TIMEOUT: true,
    ERR_UNKNOWN_JOB: false,
    ERR_GROUP_MEMBER_FAILED: false,
    ERR_INVALID_BACKOFF: false,
  });
  assert.equal(new NoHandlerError('t', { retryable: true }).retryable, true);
});

test('cause is kept', () => {
  const cause = new Error('socket closed');
  assert.equal(new ConnectionLostError(undefined, { cause }).cause, cause);
  assert.equal(new UnrecoverableError('x', { cause }).cause, cause);
});

test('messages name what failed', () => {
  assert.match(new RpcTimeoutError('mailer.stats', 5000).message, /"mailer.stats".*5000 ms/);
  assert.match(new UnroutableError('logs', 'a.b').message, /exchange "logs".*"a.b"/);
  assert.match(new UnroutableError('', 'q').message, /default exchange/);
});

test('RPC error reply round trip: name, code, message, data, retryable; no stack', () => {
  const original = new ValidationError('invalid request', [
    { instancePath: '/since', schemaPath: '#/x', keyword: 'type', message: 'must be integer', params: {} },
  ]);
  const encoded = serializeRpcError(original);
  assert.deepEqual(encoded.headers, { [RPC_ERROR_HEADER]: true });
  assert.equal(encoded.contentType, 'application/json');
  assert.ok(isRpcErrorReply(encoded.headers));
  assert.ok(!isRpcErrorReply({}) && !isRpcErrorReply(undefined));
  const body = JSON.parse(encoded.body.toString('utf8')) as Record<string, unknown>;
  assert.equal(body['stack'], undefined);
  const remote = deserializeRpcError(encoded.body);
  assert.ok(remote instanceof RemoteError);
  assert.equal(remote.code, 'ERR_REMOTE');
  assert.equal(remote.remoteName, 'ValidationError');
  assert.equal(remote.remoteCode, 'ERR_VALIDATION');
  assert.equal(remote.message, 'invalid request');
  assert.equal(remote.retryable, false);
  assert.deepEqual((remote.data as { fields: string[] }).fields, ['/since']);
});

test('plain errors, custom codes/data and thrown non-errors are encoded', () => {
  const custom = Object.assign(new RangeError('too big'), { code: 'E_BIG', data: { max: 3 } });
  const r1 = deserializeRpcError(serializeRpcError(custom).body);
  assert.deepEqual(
    [r1.remoteName, r1.remoteCode, r1.message, r1.data],
    ['RangeError', 'E_BIG', 'too big', { max: 3 }],
  );
  const r2 = deserializeRpcError(serializeRpcError('just a string').body);
  assert.deepEqual([r2.remoteName, r2.message, r2.remoteCode], ['Error', 'just a string', undefined]);
  const r3 = deserializeRpcError(serializeRpcError(new TaskTimeoutError('t', 1)).body);
  assert.equal(r3.retryable, true);
  const relayed = deserializeRpcError(serializeRpcError(r1).body);
  assert.deepEqual([relayed.remoteName, relayed.remoteCode], ['RangeError', 'E_BIG']);
});

test('unserialisable data is dropped, long messages cut, malformed replies still settle', () => {
  const cyclic: Record<string, unknown> = {};
  cyclic['self'] = cyclic;
  const err = Object.assign(new Error('x'.repeat(10_000)), { data: cyclic });
  const remote = deserializeRpcError(serializeRpcError(err).body);
  assert.equal(remote.data, undefined);
  assert.ok(remote.message.length <= 4097);
  assert.match(deserializeRpcError(Buffer.from('not json')).message, /not JSON/);
  assert.match(deserializeRpcError(Buffer.from('7')).message, /not an object/);
});
