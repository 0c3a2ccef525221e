/**
 * Errors a transport raises that are not AMQP close codes. The framework (which transports may
 * not import) maps them onto its own error classes: a returned message becomes UnroutableError,
 * a lost channel ConnectionLostError. Broker-side closes stay ChannelError / ConnectionError
 * from src/protocol/errors.ts.
 */

/** A mandatory publish reached no queue: the broker sent basic.return before the confirm. */
export class MessageReturnedError extends Error {
  override readonly name = 'MessageReturnedError';

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
    readonly replyCode: number,
    readonly replyText: string,
  ) {
    super(`message to exchange "${exchange}" with routing key "${routingKey}" was returned: ${replyText}`);
  }
}

/** The broker nacked a publish (basic.nack in confirm mode). */
export class PublishNackedError extends Error {
  override readonly name = 'PublishNackedError';

  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(`broker nacked the message to exchange "${exchange}" with routing key "${routingKey}"`);
  }
}

/**
 * The channel or connection went away (not because the broker closed it with a reply code)
 * while an operation was in flight, or an operation was attempted on a closed channel.
 */
export class TransportClosedError extends Error {
  override readonly name = 'TransportClosedError';

  constructor(message = 'channel or connection is closed', options?: ErrorOptions) {
    super(message, options);
  }
}
