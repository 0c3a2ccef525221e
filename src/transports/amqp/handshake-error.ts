/**
 * Which failed connects are worth retrying. A broker that refused the handshake (bad
 * credentials: 403 ACCESS_REFUSED; an unknown or forbidden vhost: 530 NOT_ALLOWED) said so with
 * connection.close, which the client turns into the typed ConnectionError: that will not change
 * by retrying. A socket-level failure (broker down or restarting) is retried per the reconnect
 * policy.
 */
import { AmqpError } from '../../protocol/errors.js';

/** A refusal by the broker (bad credentials, vhost) will not change by retrying. */
export function isRetryableConnectFailure(err: unknown): boolean {
  return !(err instanceof AmqpError);
}
