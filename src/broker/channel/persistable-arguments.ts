/**
 * The door check for declaration arguments: a table is accepted only if it survives the
 * codec both ways (encode, then decode), because that is what the definitions file does
 * at every save and at every start. Input the codec refuses (nested past MAX_DEPTH, keys
 * longer than a shortstr, values with no wire type) would otherwise be accepted in memory
 * and then fail every later save — and with it every persistent publish of the broker.
 * AMQP input passed the decoder already; this guards the management API, the definitions
 * import and embedded callers.
 */
import { preconditionFailed } from '../../protocol/errors.js';
import type { MethodRef } from '../../protocol/errors.js';
import { decodeTable, encodeTable } from '../../protocol/field-table.js';
import type { FieldTable } from '../../protocol/field-value.js';

/** Throws 406 PRECONDITION_FAILED naming `what` when `args` cannot be stored and read back. */
export function assertPersistableArguments(args: FieldTable, what: string, method: MethodRef): void {
  try {
    decodeTable(encodeTable(args));
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw preconditionFailed(`invalid arguments for ${what}: ${reason}`, method);
  }
}
