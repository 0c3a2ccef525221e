/**
 * /api/vhosts, /api/users, /api/permissions, /api/whoami: RabbitMQ's access-control
 * endpoints. Reading vhosts is for any management user (filtered to its vhosts); users,
 * permissions and every change are for administrators. PUT /api/vhosts/{v} with
 * {"tracing": true|false} switches the firehose for that vhost.
 */
import { checkPatternSafety, FULL_ACCESS, type UserStore } from '../../broker/access/user-store.js';
import { disableTracing, enableTracing } from '../../broker/trace/firehose.js';
import { requireAdmin } from './auth.js';
import { badRequest, notFound } from './http-util.js';
import { created, noContent, ok } from './route.js';
import type { Call, Route } from './route.js';
import { visibleVhosts, vhostOf } from './routes-resources.js';
import { vhostView } from './views.js';

export function userView(users: UserStore, name: string): Record<string, unknown> {
  const u = users.getUser(name);
  if (u === undefined) throw notFound();
  return {
    name: u.name,
    password_hash: u.passwordHash,
    hashing_algorithm: u.hashingAlgorithm,
    tags: [...u.tags],
    limits: {},
  };
}

/** RabbitMQ accepts tags as an array or a comma-separated string. */
export function parseTags(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v.map(String).filter((t) => t !== '');
  if (typeof v === 'string')
    return v
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '');
  throw badRequest('tags must be a list or a comma-separated string');
}

const listVhosts = (call: Call) => ok(visibleVhosts(call).map((v) => vhostView(v, call.ctx.sampler)));
const getVhost = (call: Call) => ok(vhostView(vhostOf(call), call.ctx.sampler));

async function putVhost(call: Call) {
  requireAdmin(call.principal);
  const body = await call.body();
  const name = call.params['vhost']!;
  const existed = call.ctx.broker.vhost(name) !== undefined;
  const v = call.ctx.broker.addVhost(name);
  // As RabbitMQ's management API: the user who creates a vhost gets full permissions on it.
  if (!existed) call.ctx.users.setPermissions(call.principal.name, name, FULL_ACCESS);
  if (body['tracing'] === true) enableTracing(v, call.ctx.node);
  else if (body['tracing'] === false) disableTracing(v);
  return existed ? noContent() : created();
}

function deleteVhost(call: Call) {
  requireAdmin(call.principal);
  const name = call.params['vhost']!;
  if (!call.ctx.broker.deleteVhost(name)) throw notFound();
  call.ctx.users.clearVhost(name);
  return noContent();
}

function listUsers(call: Call) {
  requireAdmin(call.principal);
  const { users } = call.ctx;
  return ok(users.listUsers().map((u) => userView(users, u.name)));
}

function getUser(call: Call) {
  requireAdmin(call.principal);
  return ok(userView(call.ctx.users, call.params['user']!));
}

async function putUser(call: Call) {
  requireAdmin(call.principal);
  const body = await call.body();
  const { users } = call.ctx;
  const name = call.params['user']!;
  const existing = users.getUser(name);
  const tags = body['tags'] !== undefined ? parseTags(body['tags']) : (existing?.tags ?? []);
  if (body['password'] === '')
    throw badRequest('password must not be empty (a blank password never logs in)');
  if (typeof body['password'] === 'string') users.addUser(name, body['password'], tags);
  else if (typeof body['password_hash'] === 'string') {
    const algo = body['hashing_algorithm'];
    users.putUser({
      name,
      passwordHash: body['password_hash'],
      hashingAlgorithm: typeof algo === 'string' ? algo : 'rabbit_password_hashing_sha256',
      tags,
    });
  } else if (existing !== undefined) users.setTags(name, tags);
  else throw badRequest('password or password_hash is required');
  return existing !== undefined ? noContent() : created();
}

function deleteUser(call: Call) {
  requireAdmin(call.principal);
  if (!call.ctx.users.deleteUser(call.params['user']!)) throw notFound();
  return noContent();
}

function listPermissions(call: Call) {
  requireAdmin(call.principal);
  const { user, vhost } = call.params;
  return ok(
    call.ctx.users
      .listPermissions()
      .filter((p) => (user === undefined || p.user === user) && (vhost === undefined || p.vhost === vhost)),
  );
}

function getPermission(call: Call) {
  requireAdmin(call.principal);
  const { user = '', vhost = '' } = call.params;
  const p = call.ctx.users.getPermissions(user, vhost);
  if (p === undefined) throw notFound();
  return ok({ user, vhost, ...p });
}

async function putPermission(call: Call) {
  requireAdmin(call.principal);
  const body = await call.body();
  const { user = '', vhost = '' } = call.params;
  const { users, broker } = call.ctx;
  if (broker.vhost(vhost) === undefined) throw badRequest(`vhost '${vhost}' does not exist`);
  if (users.getUser(user) === undefined) throw badRequest(`user '${user}' does not exist`);
  const pattern = (k: string): string => {
    const v = body[k];
    if (typeof v !== 'string') throw badRequest(`${k} must be a string (a regular expression)`);
    try {
      checkPatternSafety(v);
    } catch (e) {
      if (e instanceof RangeError) throw badRequest(`${k}: ${e.message}`);
      throw badRequest(`${k}: invalid regular expression '${v}'`);
    }
    return v;
  };
  const existed = users.getPermissions(user, vhost) !== undefined;
  users.setPermissions(user, vhost, {
    configure: pattern('configure'),
    write: pattern('write'),
    read: pattern('read'),
  });
  return existed ? noContent() : created();
}

function deletePermission(call: Call) {
  requireAdmin(call.principal);
  const { user = '', vhost = '' } = call.params;
  if (!call.ctx.users.clearPermissions(user, vhost)) throw notFound();
  return noContent();
}

const whoami = (call: Call) => ok({ name: call.principal.name, tags: call.principal.user.tags });

export const ACCESS_ROUTES: Route[] = [
  { method: 'GET', path: 'api/whoami', handler: whoami },
  { method: 'GET', path: 'api/vhosts', handler: listVhosts },
  { method: 'GET', path: 'api/vhosts/:vhost', handler: getVhost },
  { method: 'PUT', path: 'api/vhosts/:vhost', handler: putVhost },
  { method: 'DELETE', path: 'api/vhosts/:vhost', handler: deleteVhost },
  { method: 'GET', path: 'api/vhosts/:vhost/permissions', handler: listPermissions },
  { method: 'GET', path: 'api/users', handler: listUsers },
  { method: 'GET', path: 'api/users/:user', handler: getUser },
  { method: 'PUT', path: 'api/users/:user', handler: putUser },
  { method: 'DELETE', path: 'api/users/:user', handler: deleteUser },
  { method: 'GET', path: 'api/users/:user/permissions', handler: listPermissions },
  { method: 'GET', path: 'api/permissions', handler: listPermissions },
  { method: 'GET', path: 'api/permissions/:vhost/:user', handler: getPermission },
  { method: 'PUT', path: 'api/permissions/:vhost/:user', handler: putPermission },
  { method: 'DELETE', path: 'api/permissions/:vhost/:user', handler: deletePermission },
];
