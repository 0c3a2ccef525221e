/**
 * What a failed `connect` means. amqplib reports a refused handshake as plain text ("Handshake
 * terminated by server: 403 (ACCESS-REFUSED) with message …") or, when the broker closes the
 * connection in answer to connection.open (unknown vhost, no access to it), without the reply
 * code at all ("Expected ConnectionOpenOk; got <ConnectionClose channel:0>"). Both become the
 * typed ConnectionError with the reply code; a refusal is final, so connect does not retry it,
 * while a socket-level failure (broker down or restarting) is retried per the reconnect policy.
 */
import { AmqpError, ConnectionError, ReplyCode } from '../../protocol/errors.js';
import { mapAmqpError } from './convert.js';

const CONNECTION_START_OK = { classId: 10, methodId: 11 };
const CONNECTION_OPEN = { classId: 10, methodId: 40 };

/** The error a failed connect to `url` rejects with. */
export function connectFailure(err: unknown, url: URL): Error {
  if (!(err instanceof Error)) return mapAmqpError(err);
  const refused = /^Handshake terminated by server: (\d{3}) \([A-Z_-]+\) with message "(.*)"$/s.exec(
    err.message,
  );
  if (refused !== null) {
    return new ConnectionError(Number(refused[1]), refused[2] ?? '', CONNECTION_START_OK, { cause: err });
  }
  if (/^Expected ConnectionOpenOk; got <ConnectionClose/.test(err.message)) {
    const vhost = decodeURIComponent(url.pathname.slice(1)) || '/';
    const text = `NOT_ALLOWED - vhost '${vhost}' refused: it does not exist or the user may not access it`;
    return new ConnectionError(ReplyCode.NOT_ALLOWED, text, CONNECTION_OPEN, { cause: err });
  }
  return mapAmqpError(err);
}

/** A refusal by the broker (bad credentials, vhost) will not change by retrying. */
export function isRetryableConnectFailure(err: unknown): boolean {
  return !(err instanceof AmqpError);
}
