/**
 * Commands: what a peer means by a run of frames on one channel — a method, or a content
 * method plus its content header and body. Narrow with `cmd.content !== undefined` (then
 * `cmd.method` is a ContentMethod) or switch on `cmd.method.name`.
 */
import type { ContentMethod, NonContentMethod } from './generated/methods.js';
import type { BasicProperties } from './properties.js';

/** Received content: decoded properties, the raw property bytes and the whole body. */
export interface Content {
  readonly properties: BasicProperties;
  /**
   * Property flags + list exactly as received (a view of the header frame). Pass it back
   * as `rawProperties` to forward the properties without re-encoding them.
   */
  readonly rawProperties: Buffer;
  /** The body: a view of the received chunk when it came in one body frame, else a copy. */
  readonly body: Buffer;
}

export interface MethodCommand {
  readonly channel: number;
  readonly method: NonContentMethod;
  readonly content: undefined;
}

export interface ContentCommand {
  readonly channel: number;
  readonly method: ContentMethod;
  readonly content: Content;
}

export type Command = MethodCommand | ContentCommand;

/** Content to send: properties (or their pre-encoded bytes, which win) and the body. */
export interface OutgoingContent {
  readonly properties?: BasicProperties;
  readonly rawProperties?: Uint8Array;
  readonly body: Uint8Array;
}
