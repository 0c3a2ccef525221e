/**
 * Turns what the client throws (no handler, unroutable, remote error, timeout, a closed
 * channel) into one-line UserErrors for call / enqueue / publish. Anything unexpected is
 * passed through so --verbose still shows its stack.
 */
import {
  ConnectionLostError,
  NoHandlerError,
  RemoteError,
  RpcTimeoutError,
  UnroutableError,
} from '../framework/errors.js';
import { AmqpError } from '../protocol/errors.js';
import { UserError } from './command.js';

export function toUserError(err: unknown, hint: string): unknown {
  if (err instanceof UserError) return err;
  if (err instanceof RemoteError) {
    const code = err.remoteCode === undefined ? err.remoteName : `${err.remoteName} ${err.remoteCode}`;
    return new UserError(`remote error (${code}): ${err.message}`, 1, { cause: err });
  }
  if (err instanceof NoHandlerError || err instanceof UnroutableError) {
    return new UserError(`${err.message}: ${hint}`, 1, { cause: err });
  }
  if (err instanceof RpcTimeoutError || err instanceof ConnectionLostError || err instanceof AmqpError) {
    return new UserError(err.message, 1, { cause: err });
  }
  return err;
}
