/**
 * HTTP basic authentication against the broker's users, with RabbitMQ management's tag
 * rules: `administrator` may do everything; `monitoring` may read everything; `management`
 * may read and act on the vhosts it has permissions for; `policymaker` may do what management
 * may plus policies on those vhosts (routes-policies.ts); users without one of these tags
 * are refused (401 "Not management user"). guest stays loopback-only, as on AMQP.
 */
import type { IncomingMessage } from 'node:http';
import type { User, UserStore } from '../../broker/access/user-store.js';
import { isLoopback, notAuthorised } from './http-util.js';

export const MANAGEMENT_TAGS = ['administrator', 'monitoring', 'policymaker', 'management'] as const;

export class Principal {
  constructor(
    readonly user: User,
    private readonly users: UserStore,
  ) {}

  get name(): string {
    return this.user.name;
  }

  get isAdmin(): boolean {
    return this.user.tags.includes('administrator');
  }

  /** administrator or policymaker: may read and change policies (on the vhosts it may see). */
  get isPolicymaker(): boolean {
    return this.isAdmin || this.user.tags.includes('policymaker');
  }

  /** administrator or monitoring: sees every vhost. */
  get seesAll(): boolean {
    return this.isAdmin || this.user.tags.includes('monitoring');
  }

  canSeeVhost(vhost: string): boolean {
    return this.seesAll || this.users.canAccessVhost(this.name, vhost);
  }
}

export function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  if (header === undefined || !header.startsWith('Basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The authenticated management user of a request; throws 401 otherwise. */
export function authenticateRequest(req: IncomingMessage, users: UserStore): Principal {
  const creds = parseBasic(req.headers.authorization);
  if (creds === undefined) throw notAuthorised('Not_Authorized');
  const result = users.authenticate(creds.user, creds.password, isLoopback(req.socket.remoteAddress));
  if (typeof result === 'string') {
    throw notAuthorised(result.startsWith('Login was refused') ? 'Login failed' : result);
  }
  if (!result.tags.some((t) => (MANAGEMENT_TAGS as readonly string[]).includes(t))) {
    throw notAuthorised('Not management user');
  }
  return new Principal(result, users);
}

/** 401 unless the principal is an administrator (user, vhost and permission changes, definitions). */
export function requireAdmin(p: Principal): void {
  if (!p.isAdmin) throw notAuthorised('Not administrator user');
}

/** 401 unless the principal may see `vhost` (it exists check is the caller's). */
export function requireVhost(p: Principal, vhost: string): void {
  if (!p.canSeeVhost(vhost)) throw notAuthorised(`Access refused to vhost '${vhost}'`);
}
