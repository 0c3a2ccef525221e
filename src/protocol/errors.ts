/**
 * The AMQP error model, used in both directions.
 *
 * The broker throws these; the TCP server turns them into channel.close / connection.close;
 * client transports turn a received close back into the same classes. A ChannelError
 * (soft error) closes only the channel, a ConnectionError (hard error) the whole connection.
 * Build them through the helpers below so reply texts are formatted in one place; tests
 * assert `replyCode`, never the text.
 */
import { ReplyCode, isHardError } from './generated/constants.js';

export { ReplyCode, isHardError };

export interface MethodRef {
  classId: number;
  methodId: number;
}

const NO_METHOD: MethodRef = { classId: 0, methodId: 0 };

export abstract class AmqpError extends Error {
  abstract readonly scope: 'channel' | 'connection';
  readonly replyCode: number;
  readonly replyText: string;
  private _classId: number;
  private _methodId: number;

  constructor(replyCode: number, replyText: string, method: MethodRef = NO_METHOD, options?: ErrorOptions) {
    super(replyText, options);
    this.replyCode = replyCode;
    this.replyText = replyText;
    this._classId = method.classId;
    this._methodId = method.methodId;
  }

  get classId(): number {
    return this._classId;
  }

  get methodId(): number {
    return this._methodId;
  }

  /**
   * Names the method whose handling failed. The server's channel dispatch calls this once
   * for every error a channel method throws, as rabbit_channel does, so the engine does not
   * have to thread method ids through every helper that can fail.
   */
  stampMethod(method: MethodRef): void {
    this._classId = method.classId;
    this._methodId = method.methodId;
  }
}

/** A soft error: closes the channel it happened on. */
export class ChannelError extends AmqpError {
  override readonly name: string = 'ChannelError';
  readonly scope = 'channel' as const;
}

/** A hard error: closes the connection. */
export class ConnectionError extends AmqpError {
  override readonly name: string = 'ConnectionError';
  readonly scope = 'connection' as const;
}

/**
 * A codec-level error: the bytes could not be decoded. Always a connection error; carries
 * the reply code it maps to (501 FRAME_ERROR, 502 SYNTAX_ERROR, 503 COMMAND_INVALID,
 * 505 UNEXPECTED_FRAME).
 */
export class FrameError extends ConnectionError {
  override readonly name = 'FrameError';
}

/** Builds the error class that matches the reply code's soft/hard classification. */
export function amqpError(replyCode: number, replyText: string, method?: MethodRef): AmqpError {
  return isHardError(replyCode)
    ? new ConnectionError(replyCode, replyText, method)
    : new ChannelError(replyCode, replyText, method);
}

export const notFound = (text: string, method?: MethodRef): ChannelError =>
  new ChannelError(ReplyCode.NOT_FOUND, `NOT_FOUND - ${text}`, method);
export const accessRefused = (text: string, method?: MethodRef): ChannelError =>
  new ChannelError(ReplyCode.ACCESS_REFUSED, `ACCESS_REFUSED - ${text}`, method);
export const resourceLocked = (text: string, method?: MethodRef): ChannelError =>
  new ChannelError(ReplyCode.RESOURCE_LOCKED, `RESOURCE_LOCKED - ${text}`, method);
export const preconditionFailed = (text: string, method?: MethodRef): ChannelError =>
  new ChannelError(ReplyCode.PRECONDITION_FAILED, `PRECONDITION_FAILED - ${text}`, method);
export const commandInvalid = (text: string, method?: MethodRef): ConnectionError =>
  new ConnectionError(ReplyCode.COMMAND_INVALID, `COMMAND_INVALID - ${text}`, method);
export const channelErrorHard = (text: string, method?: MethodRef): ConnectionError =>
  new ConnectionError(ReplyCode.CHANNEL_ERROR, `CHANNEL_ERROR - ${text}`, method);
export const notAllowed = (text: string, method?: MethodRef): ConnectionError =>
  new ConnectionError(ReplyCode.NOT_ALLOWED, `NOT_ALLOWED - ${text}`, method);
export const notImplemented = (text: string, method?: MethodRef): ConnectionError =>
  new ConnectionError(ReplyCode.NOT_IMPLEMENTED, `NOT_IMPLEMENTED - ${text}`, method);
export const internalError = (text: string, method?: MethodRef): ConnectionError =>
  new ConnectionError(ReplyCode.INTERNAL_ERROR, `INTERNAL_ERROR - ${text}`, method);
export const connectionForced = (text: string): ConnectionError =>
  new ConnectionError(ReplyCode.CONNECTION_FORCED, `CONNECTION_FORCED - ${text}`);
export const frameError = (text: string): FrameError =>
  new FrameError(ReplyCode.FRAME_ERROR, `FRAME_ERROR - ${text}`);
export const syntaxError = (text: string, method?: MethodRef): FrameError =>
  new FrameError(ReplyCode.SYNTAX_ERROR, `SYNTAX_ERROR - ${text}`, method);
export const unknownMethod = (text: string, method?: MethodRef): FrameError =>
  new FrameError(ReplyCode.COMMAND_INVALID, `COMMAND_INVALID - ${text}`, method);
export const unexpectedFrame = (text: string, method?: MethodRef): FrameError =>
  new FrameError(ReplyCode.UNEXPECTED_FRAME, `UNEXPECTED_FRAME - ${text}`, method);
