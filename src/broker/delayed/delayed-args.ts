/**
 * The delayed-message exchange's arguments, as RabbitMQ's rabbitmq_delayed_message_exchange
 * plugin reads them: the exchange type `x-delayed-message` routes as its `x-delayed-type`
 * argument says (direct, fanout, topic, headers), and a publish whose integer `x-delay`
 * header is above 0 is held for that many milliseconds before being routed. A missing,
 * non-integer, zero or negative `x-delay` routes at once, as the plugin does.
 */
import { commandInvalid, preconditionFailed } from '../../protocol/errors.js';
import type { MethodRef } from '../../protocol/errors.js';
import { TypedValue } from '../../protocol/field-value.js';
import type { FieldTable, FieldValue } from '../../protocol/field-value.js';
import { isExchangeType } from '../exchange/index.js';
import type { RoutingType } from '../exchange/index.js';

export const DELAYED_EXCHANGE_TYPE = 'x-delayed-message';
export const DELAYED_TYPE_ARG = 'x-delayed-type';
export const DELAY_HEADER = 'x-delay';

/** The routing type of a delayed exchange, or the plugin's declare errors. */
export function delayedRoutingType(args: FieldTable, method?: MethodRef): RoutingType {
  const raw = unwrap(args[DELAYED_TYPE_ARG]);
  const type = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : undefined;
  if (type === undefined) {
    throw preconditionFailed(
      `Invalid argument, '${DELAYED_TYPE_ARG}' must be an existing exchange type`,
      method,
    );
  }
  if (type === DELAYED_EXCHANGE_TYPE) {
    throw preconditionFailed(
      `Invalid argument, '${DELAYED_EXCHANGE_TYPE}' can't be used for '${DELAYED_TYPE_ARG}'`,
      method,
    );
  }
  if (!isExchangeType(type)) throw commandInvalid(`unknown exchange type '${type}'`, method);
  return type;
}

/** The delay a publish asks for in ms; 0 when it is to be routed at once. */
export function messageDelay(headers: FieldTable | undefined): number {
  if (headers === undefined) return 0;
  const v = unwrap(headers[DELAY_HEADER]);
  if (typeof v === 'bigint') return v > 0n ? Number(v) : 0;
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  return 0;
}

function unwrap(v: FieldValue): FieldValue {
  return v instanceof TypedValue ? v.value : v;
}
