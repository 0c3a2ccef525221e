/**
 * The public entry point: `import { … } from 'warren'`. Named exports only.
 */
export {
  AmqpError,
  ChannelError,
  ConnectionError,
  FrameError,
  ReplyCode,
  isHardError,
} from './protocol/errors.js';
export { Decimal, TypedValue, typed } from './protocol/field-value.js';
export type { FieldTable, FieldValue, FieldTypeTag } from './protocol/field-value.js';
export type { BasicProperties } from './protocol/properties.js';
