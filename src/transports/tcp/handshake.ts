/**
 * The connection handshake's decisions, without socket state: authenticating start-ok,
 * negotiating tune-ok against what we offered, and the vhost access check of
 * connection.open. Reply texts are RabbitMQ's, because clients and users grep for them.
 */
import type { UserStore } from '../../broker/access/user-store.js';
import type { Broker } from '../../broker/broker.js';
import { ConnectionError, ReplyCode, notAllowed } from '../../protocol/errors.js';
import type {
  ConnectionStartOk,
  ConnectionTune,
  ConnectionTuneOk,
} from '../../protocol/generated/methods.js';
import { FRAME_MIN_SIZE } from '../../protocol/generated/constants.js';
import { parseSaslResponse } from './sasl.js';
import type { ServerLimits } from './server-context.js';

const OPEN = { classId: 10, methodId: 40 };

export interface Tuning {
  channelMax: number;
  frameMax: number;
  heartbeat: number;
}

export function tuneFor(limits: ServerLimits): ConnectionTune {
  return {
    name: 'connection.tune',
    channelMax: limits.channelMax,
    frameMax: limits.frameMax,
    heartbeat: limits.heartbeat,
  };
}

/** The authenticated user name, or the 403 to refuse the login with. */
export function authenticate(
  users: UserStore,
  m: ConnectionStartOk,
  fromLoopback: boolean,
): string | ConnectionError {
  const refuse = (text: string): ConnectionError =>
    new ConnectionError(ReplyCode.ACCESS_REFUSED, `ACCESS_REFUSED - ${text}`);
  const generic = `Login was refused using authentication mechanism ${m.mechanism}. For details see the broker logfile.`;
  const creds = parseSaslResponse(m.mechanism, m.response);
  if (creds === undefined) return refuse(generic);
  const result = users.authenticate(creds.user, creds.password, fromLoopback);
  if (typeof result !== 'string') return result.name;
  return refuse(result.startsWith('Login was refused') ? generic : result);
}

/**
 * Applies the client's tune-ok as RabbitMQ's rabbit_reader validates it: when we offered a
 * limit, asking for more, or for 0 ("no limit"), is refused; so is a frame-max under 4096.
 * When we offered 0, the client's value stands (0 = no limit). The heartbeat is the client's
 * choice (clients pick the lower non-zero of both offers, as RabbitMQ expects).
 */
export function negotiateTune(limits: ServerLimits, m: ConnectionTuneOk): Tuning {
  const frameMax = m.frameMax;
  if (limits.frameMax !== 0 && (frameMax === 0 || frameMax > limits.frameMax)) {
    throw notAllowed(`frame_max=${frameMax} > ${limits.frameMax} max size`);
  }
  if (frameMax !== 0 && frameMax < FRAME_MIN_SIZE) {
    throw notAllowed(`frame_max=${frameMax} < ${FRAME_MIN_SIZE} min size`);
  }
  const channelMax = m.channelMax;
  if (limits.channelMax !== 0 && (channelMax === 0 || channelMax > limits.channelMax)) {
    throw notAllowed(`channel_max=${channelMax} > ${limits.channelMax} max channels`);
  }
  return { channelMax: channelMax === 0 ? 0xffff : channelMax, frameMax, heartbeat: m.heartbeat };
}

/** connection.open's check: the vhost exists and the user has permissions on it (530 otherwise). */
export function checkVhostAccess(broker: Broker, users: UserStore, user: string, vhost: string): void {
  if (broker.vhost(vhost) === undefined) throw notAllowed(`vhost ${vhost} not found`, OPEN);
  if (!users.canAccessVhost(user, vhost)) {
    throw notAllowed(`access to vhost '${vhost}' refused for user '${user}'`, OPEN);
  }
}
