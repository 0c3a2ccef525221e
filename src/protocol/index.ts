/**
 * `warren/protocol`: the AMQP 0-9-1 codec's public API. Input path: FrameParser (bytes → frames) then
 * CommandAssembler (frames → commands). Output path: CommandWriter / writeCommand /
 * writeDeliver (commands → one Buffer per batch). Methods are plain objects discriminated
 * by `name` ('queue.declare'); their types, descriptors and codecs are generated from the
 * vendored spec by src/protocol/codegen.
 */
export * from './errors.js';
export * from './field-value.js';
export type { BasicProperties } from './properties.js';
export * from './generated/constants.js';
export type * from './generated/methods.js';
export { METHOD_DESCRIPTORS } from './generated/method-codecs.js';
export {
  BASIC_PROPERTY_FLAGS,
  decodeBasicProperties,
  encodeBasicProperties,
} from './generated/properties-codecs.js';
export type { DomainType, FieldSpec, MethodDescriptor, SpecDefault } from './method-descriptor.js';
export {
  METHODS,
  createMethod,
  decodeMethodPayload,
  descriptorOf,
  encodeMethodPayload,
  isContentMethod,
  lookupMethod,
  methodRef,
} from './method-codec.js';
export { Reader } from './reader.js';
export { Writer } from './writer.js';
export {
  MAX_DEPTH,
  decodeFieldArray,
  decodeFieldTable,
  decodeTable,
  encodeFieldArray,
  encodeFieldTable,
  encodeTable,
  inferFieldType,
} from './field-table.js';
export {
  CONTENT_HEADER_PREFIX,
  decodeContentHeader,
  decodeProperties,
  readContentHeaderPrefix,
  writeContentHeaderFrame,
  type ContentHeader,
} from './content-header.js';
export {
  FRAME_HEADER_SIZE,
  HEARTBEAT_FRAME,
  checkFrameHeader,
  maxPayload,
  writeBodyFrames,
  writeFrame,
  type Frame,
} from './frame.js';
export {
  PROTOCOL_HEADER,
  ProtocolHeaderError,
  checkProtocolHeader,
  describeProtocolHeader,
  type ProtocolHeaderCheck,
} from './protocol-header.js';
export { FrameParser, type FrameParserOptions } from './frame-parser.js';
export type { Command, Content, ContentCommand, MethodCommand, OutgoingContent } from './command.js';
export {
  CommandAssembler,
  DEFAULT_MAX_BODY_SIZE,
  type CommandAssemblerOptions,
} from './command-assembler.js';
export {
  CommandWriter,
  encodeCommand,
  writeCommand,
  writeContent,
  writeDeliver,
  writeMethodFrame,
  type CommandWriterOptions,
  type DeliverArgs,
} from './command-writer.js';
