/**
 * Management actions (declare, delete, bind, purge, publish, get) run as the requesting
 * user through a short-lived engine connection whose channel enforces that user's
 * permissions (GuardedChannel), so the API applies exactly the AMQP rules and texts. AMQP
 * errors become RabbitMQ management's HTTP errors (404 not found, 401 access refused,
 * 400 for precondition failures and bad arguments).
 */
import type { PermissionSource } from '../../broker/access/permissions.js';
import type { Broker } from '../../broker/broker.js';
import type { EngineChannel } from '../../broker/channel/channel.js';
import type { ChannelSink } from '../../broker/channel-sink.js';
import type { Message } from '../../broker/message.js';
import { AmqpError } from '../../protocol/errors.js';
import { HttpError, notFound } from './http-util.js';

/** A sink that collects what the engine sends back (returns, for mandatory publishes). */
export class CollectingSink implements ChannelSink {
  readonly writable = true;
  readonly returned: Message[] = [];
  deliver(): void {}
  basicReturn(_code: number, _text: string, _exchange: string, _rk: string, message: Message): void {
    this.returned.push(message);
  }
  publisherAck(): void {}
  publisherNack(): void {}
  consumerCancelled(): void {}
  channelError(): void {}
}

export function httpErrorFor(e: AmqpError): HttpError {
  const reason = e.replyText.replace(/^[A-Z_]+ - /, '');
  switch (e.replyCode) {
    case 404:
      return notFound(reason);
    case 403:
      return new HttpError(401, 'not_authorised', reason);
    case 530:
      return new HttpError(401, 'not_authorised', reason);
    default:
      return new HttpError(400, 'bad_request', reason);
  }
}

/** Runs `fn` on a fresh channel of `user` in `vhost`; the connection is closed afterwards. */
export function withChannel<T>(
  broker: Broker,
  access: PermissionSource,
  user: string,
  vhost: string,
  fn: (ch: EngineChannel, sink: CollectingSink) => T,
): T {
  if (broker.vhost(vhost) === undefined) throw notFound(`vhost '${vhost}' not found`);
  const sink = new CollectingSink();
  const conn = broker.connect({ vhost, user, name: `management (${user})` });
  conn.access = access;
  try {
    return fn(conn.openChannel(1, sink), sink);
  } catch (e) {
    if (e instanceof AmqpError) throw httpErrorFor(e);
    throw e;
  } finally {
    conn.close();
  }
}
