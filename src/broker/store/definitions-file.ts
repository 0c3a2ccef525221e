/**
 * The definitions snapshot: durable vhosts, exchanges, queues and bindings (fed by the
 * engine's DefinitionsListener) plus users and permissions (fed by UserStore's change
 * hook), kept in memory and written as one JSON file on change.
 *
 * Writes are coalesced (one per turn of the event loop) and atomic: write `definitions.json.tmp`,
 * fdatasync, rename over `definitions.json`, fsync the directory. The message log saves a
 * pending snapshot before each of its writes, so a confirmed message's queue is on disk
 * before the message is confirmed. Field tables are stored in their AMQP encoding (base64),
 * so argument types survive exactly.
 */
import { existsSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeTable, encodeTable } from '../../protocol/field-table.js';
import type { FieldTable } from '../../protocol/field-value.js';
import type {
  BindingDefinition,
  DefinitionsListener,
  ExchangeDefinition,
  QueueDefinition,
} from '../definitions.js';
import type { PermissionPatterns, User } from '../access/user-store.js';
import type { Policy } from '../policies.js';
import { parseDefinitions } from './definitions-shape.js';
import { DamagedDataDirError } from './store-errors.js';
import { syncDir } from './sync-dir.js';

type Stored<T> = Omit<T, 'arguments'> & { arguments: string };

export interface UsersSnapshot {
  users: User[];
  permissions: ({ user: string; vhost: string } & PermissionPatterns)[];
  loopbackOnly: string[];
}

interface Snapshot {
  version: 1;
  vhosts: string[];
  exchanges: Stored<ExchangeDefinition>[];
  queues: Stored<QueueDefinition>[];
  bindings: Stored<BindingDefinition>[];
  users?: UsersSnapshot;
  /** Absent in files written before policies existed. */
  policies?: Policy[];
}

export const DEFINITIONS_FILE = 'definitions.json';

const pack = <T extends { arguments: FieldTable }>(d: T): Stored<T> => ({
  ...d,
  arguments: encodeTable(d.arguments).toString('base64'),
});
const unpack = <T extends { arguments: FieldTable }>(d: Stored<T>): T =>
  ({ ...d, arguments: decodeTable(Buffer.from(d.arguments, 'base64')) }) as unknown as T;

const k2 = (vhost: string, name: string): string => `${vhost}\u0000${name}`;
const bindingKey = (b: BindingDefinition): string =>
  [
    b.vhost,
    b.source,
    b.destinationType,
    b.destination,
    b.routingKey,
    encodeTable(b.arguments).toString('base64'),
  ].join('\u0000');

export class DefinitionsFile implements DefinitionsListener {
  readonly vhosts = new Set<string>();
  readonly exchanges = new Map<string, ExchangeDefinition>();
  readonly queues = new Map<string, QueueDefinition>();
  readonly bindings = new Map<string, BindingDefinition>();
  readonly policies = new Map<string, Policy>();
  users: UsersSnapshot | undefined;
  /** Collects the users snapshot when saving (set by DefinitionsStore.bindUsers). */
  usersSource: (() => UsersSnapshot) | undefined;
  private dirty = false;
  private saving: Promise<void> | undefined;

  constructor(readonly dir: string) {}

  /** Reads definitions.json when present; a malformed one is a DamagedDataDirError naming the field. */
  load(): void {
    const path = join(this.dir, DEFINITIONS_FILE);
    if (!existsSync(path)) return;
    const parsed = parseDefinitions(readFileSync(path, 'utf8'));
    if ('error' in parsed) throw new DamagedDataDirError(this.dir, path, parsed.error);
    const s = parsed.snapshot as Snapshot;
    for (const v of s.vhosts) this.vhosts.add(v);
    for (const x of s.exchanges) this.exchanges.set(k2(x.vhost, x.name), unpack(x));
    for (const q of s.queues) this.queues.set(k2(q.vhost, q.name), unpack(q));
    for (const b of s.bindings) {
      const def = unpack<BindingDefinition>(b);
      this.bindings.set(bindingKey(def), def);
    }
    for (const p of s.policies ?? []) this.policies.set(k2(p.vhost, p.name), p);
    this.users = s.users;
  }

  // ---- DefinitionsListener ----

  vhostAdded(name: string): void {
    if (!this.vhosts.has(name)) this.change(() => this.vhosts.add(name));
  }

  vhostDeleted(name: string): void {
    this.change(() => {
      this.vhosts.delete(name);
      const maps = [this.exchanges, this.queues, this.bindings, this.policies];
      for (const m of maps as Map<string, { vhost: string }>[])
        for (const [k, d] of m) if (d.vhost === name) m.delete(k);
    });
  }

  exchangeDeclared(def: ExchangeDefinition): void {
    this.change(() => this.exchanges.set(k2(def.vhost, def.name), def));
  }

  exchangeDeleted(vhost: string, name: string): void {
    this.change(() => this.exchanges.delete(k2(vhost, name)));
  }

  queueDeclared(def: QueueDefinition): void {
    if (def.exclusive === true) return;
    this.change(() => this.queues.set(k2(def.vhost, def.name), def));
  }

  queueDeleted(vhost: string, name: string): void {
    if (this.queues.has(k2(vhost, name))) this.change(() => this.queues.delete(k2(vhost, name)));
  }

  bindingAdded(def: BindingDefinition): void {
    this.change(() => this.bindings.set(bindingKey(def), def));
  }

  bindingRemoved(def: BindingDefinition): void {
    this.change(() => this.bindings.delete(bindingKey(def)));
  }

  policySet(policy: Policy): void {
    this.change(() => this.policies.set(k2(policy.vhost, policy.name), policy));
  }

  policyCleared(vhost: string, name: string): void {
    this.change(() => this.policies.delete(k2(vhost, name)));
  }

  pendingSave(): Promise<void> | undefined {
    if (!this.dirty && this.saving === undefined) return undefined;
    return this.save();
  }

  /** Applies a change and schedules a save. */
  change(fn: () => void): void {
    fn();
    this.markDirty();
  }

  markDirty(): void {
    if (this.dirty) return;
    this.dirty = true;
    setImmediate(() => void this.save().catch(() => undefined));
  }

  /** Writes the snapshot if it changed; concurrent calls share one write. */
  async save(): Promise<void> {
    while (this.saving !== undefined) await this.saving;
    if (!this.dirty) return;
    this.dirty = false;
    this.saving = this.write().finally(() => (this.saving = undefined));
    try {
      await this.saving;
    } catch (e) {
      this.dirty = true;
      throw e;
    }
  }

  private snapshot(): Snapshot {
    return {
      version: 1,
      vhosts: [...this.vhosts],
      exchanges: [...this.exchanges.values()].map(pack),
      queues: [...this.queues.values()].map(pack),
      bindings: [...this.bindings.values()].map(pack),
      users: this.usersSource?.() ?? this.users,
      policies: [...this.policies.values()],
    };
  }

  private async write(): Promise<void> {
    const path = join(this.dir, DEFINITIONS_FILE);
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(this.snapshot()));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    syncDir(this.dir);
  }
}
