/**
 * Definitions export and import in RabbitMQ's format (GET/POST /api/definitions, and the
 * CLI's `definitions export|import`): vhosts, users (password_hash with
 * rabbit_password_hashing_sha256, so RabbitMQ imports them), permissions, policies,
 * exchanges, queues and bindings. Built-in objects (the default and amq.* exchanges, the default
 * exchange's implicit bindings) and exclusive queues are not exported. Import declares
 * through the engine without permission checks (an administrator's operation), in
 * dependency order: vhosts, users, permissions, policies, exchanges, queues, bindings.
 */
import type { PermissionSource } from '../../broker/access/permissions.js';
import { UserStore } from '../../broker/access/user-store.js';
import { Broker } from '../../broker/broker.js';
import { withChannel } from './engine-session.js';
import { jsonToTable, tableToJson } from './field-json.js';
import { badRequest } from './http-util.js';
import { parseTags } from './routes-access.js';
import { policyFromJson, policyJson } from './routes-policies.js';
import { bindingsOf, exchangeDefinition } from './views.js';

const EVERYTHING: PermissionSource = { isPermitted: () => true };

export function exportDefinitions(
  broker: Broker,
  users: UserStore,
  version: string,
): Record<string, unknown> {
  const vhosts = broker.vhostNames().map((name) => broker.vhost(name)!);
  return {
    rabbit_version: version,
    rabbitmq_version: version,
    product_name: 'Warren',
    product_version: version,
    users: users.listUsers().map((u) => ({
      name: u.name,
      password_hash: u.passwordHash,
      hashing_algorithm: u.hashingAlgorithm,
      tags: [...u.tags],
      limits: {},
    })),
    vhosts: vhosts.map((v) => ({ name: v.name, limits: [], metadata: { description: '', tags: [] } })),
    permissions: users.listPermissions(),
    topic_permissions: [],
    parameters: [],
    global_parameters: [],
    policies: vhosts.flatMap((v) => v.policies.list().map(policyJson)),
    queues: vhosts.flatMap((v) =>
      [...v.queues.values()]
        .filter((q) => q.exclusiveOwner === null)
        .map((q) => ({
          name: q.name,
          vhost: v.name,
          durable: q.durable,
          auto_delete: q.autoDelete,
          arguments: tableToJson(q.arguments),
        })),
    ),
    exchanges: vhosts.flatMap((v) =>
      [...v.exchanges.values()]
        .filter((x) => x.name !== '' && !x.name.startsWith('amq.'))
        .map((x) => exchangeDefinition(v, x)),
    ),
    bindings: vhosts.flatMap((v) =>
      bindingsOf(v)
        .filter((b) => b.source !== '')
        .filter((b) => b.destination_type !== 'queue' || v.queues.get(b.destination)?.exclusiveOwner === null)
        .map(({ properties_key: _key, ...b }) => b),
    ),
  };
}

type Def = Record<string, unknown>;

function list(defs: Def, key: string): Def[] {
  const v = defs[key];
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw badRequest(`definitions: ${key} must be a list`);
  return v as Def[];
}

const str = (d: Def, key: string, fallback = ''): string => (typeof d[key] === 'string' ? d[key] : fallback);
const bool = (d: Def, key: string, fallback: boolean): boolean =>
  typeof d[key] === 'boolean' ? d[key] : fallback;

function importAccess(broker: Broker, users: UserStore, defs: Def): void {
  for (const v of list(defs, 'vhosts')) broker.addVhost(str(v, 'name', '/'));
  for (const u of list(defs, 'users')) {
    const name = str(u, 'name');
    const tags = parseTags(u['tags']);
    if (typeof u['password_hash'] === 'string') {
      users.putUser({
        name,
        passwordHash: u['password_hash'],
        hashingAlgorithm: str(u, 'hashing_algorithm', 'rabbit_password_hashing_sha256'),
        tags,
      });
    } else if (typeof u['password'] === 'string') users.addUser(name, u['password'], tags);
    else throw badRequest(`definitions: user '${name}' has no password_hash`);
  }
  for (const p of list(defs, 'permissions')) {
    const vhost = str(p, 'vhost', '/');
    broker.addVhost(vhost);
    users.setPermissions(str(p, 'user'), vhost, {
      configure: str(p, 'configure'),
      write: str(p, 'write'),
      read: str(p, 'read'),
    });
  }
}

function inVhost(broker: Broker, vhost: string, fn: Parameters<typeof withChannel>[4]): void {
  broker.addVhost(vhost);
  withChannel(broker, EVERYTHING, 'definitions-import', vhost, fn);
}

/**
 * Imports a definitions document. The whole document is first applied to a scratch copy of
 * the broker's current definitions (a fresh in-memory broker and user store), so an invalid
 * entry anywhere (a bad regex, an unknown exchange type, a queue redeclared with other
 * arguments, a binding to nothing) is a 400 before anything real changes; then it is applied.
 */
export function importDefinitions(broker: Broker, users: UserStore, defs: Def): void {
  const scratch = new Broker();
  const scratchUsers = new UserStore();
  applyDefinitions(scratch, scratchUsers, exportDefinitions(broker, users, 'current'));
  try {
    applyDefinitions(scratch, scratchUsers, defs);
  } catch (e) {
    if (e instanceof RangeError || e instanceof SyntaxError || e instanceof TypeError) {
      throw badRequest(`definitions: ${e.message}`);
    }
    throw e;
  }
  applyDefinitions(broker, users, defs);
}

function applyDefinitions(broker: Broker, users: UserStore, defs: Def): void {
  importAccess(broker, users, defs);
  for (const p of list(defs, 'policies')) {
    const vhost = str(p, 'vhost', '/');
    broker.addVhost(vhost).setPolicy(policyFromJson(vhost, str(p, 'name'), p));
  }
  for (const x of list(defs, 'exchanges')) {
    inVhost(broker, str(x, 'vhost', '/'), (ch) =>
      ch.exchangeDeclare({
        exchange: str(x, 'name'),
        type: str(x, 'type', 'direct'),
        durable: bool(x, 'durable', true),
        autoDelete: bool(x, 'auto_delete', false),
        internal: bool(x, 'internal', false),
        arguments: jsonToTable(x['arguments']),
      }),
    );
  }
  for (const q of list(defs, 'queues')) {
    inVhost(broker, str(q, 'vhost', '/'), (ch) =>
      ch.queueDeclare({
        queue: str(q, 'name'),
        durable: bool(q, 'durable', true),
        autoDelete: bool(q, 'auto_delete', false),
        arguments: jsonToTable(q['arguments']),
      }),
    );
  }
  for (const b of list(defs, 'bindings')) {
    const common = { routingKey: str(b, 'routing_key'), arguments: jsonToTable(b['arguments']) };
    inVhost(broker, str(b, 'vhost', '/'), (ch) => {
      if (str(b, 'destination_type', 'queue') === 'queue')
        ch.queueBind({ queue: str(b, 'destination'), exchange: str(b, 'source'), ...common });
      else ch.exchangeBind({ destination: str(b, 'destination'), source: str(b, 'source'), ...common });
    });
  }
}

/**
 * `warren reset`: every vhost but "/" is deleted, "/" is emptied (queues with their
 * messages, exchanges other than the built-in ones, policies) and tracing is turned off. Users and
 * their permissions on "/" stay, so the operator can still log in.
 */
export function resetBroker(broker: Broker, users: UserStore): void {
  for (const name of broker.vhostNames()) {
    if (name === '/') continue;
    broker.deleteVhost(name);
    users.clearVhost(name);
  }
  const root = broker.vhost('/') ?? broker.addVhost('/');
  root.monitor.tracer = null;
  for (const p of root.policies.list()) root.clearPolicy(p.name);
  root.scheduler.run(() => {
    for (const q of [...root.queues.values()]) root.deleteQueue(q);
  });
  const names = [...root.exchanges.keys()].filter((x) => x !== '' && !x.startsWith('amq.'));
  withChannel(broker, EVERYTHING, 'reset', '/', (ch) => {
    for (const exchange of names) ch.exchangeDelete({ exchange });
  });
}
