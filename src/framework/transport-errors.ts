/**
 * Maps the errors a transport raises onto the framework's error classes: a returned mandatory
 * message becomes UnroutableError, a channel or connection that went away ConnectionLostError.
 * Broker replies (ChannelError / ConnectionError with a reply code) pass through unchanged.
 */
import { ConnectionError } from '../protocol/errors.js';
import { MessageReturnedError, TransportClosedError } from '../transports/errors.js';
import { ConnectionLostError, UnroutableError } from './errors.js';

export function mapTransportError(err: unknown): unknown {
  if (err instanceof MessageReturnedError) {
    return new UnroutableError(err.exchange, err.routingKey, { cause: err });
  }
  if (err instanceof TransportClosedError) return new ConnectionLostError(err.message, { cause: err });
  if (err instanceof ConnectionError) return new ConnectionLostError(err.message, { cause: err });
  return err;
}
