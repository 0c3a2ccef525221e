/**
 * Users, their tags and their per-vhost permissions, as RabbitMQ models them.
 *
 * Permissions are three regular expressions per (user, vhost): configure, write, read. An
 * empty pattern matches nothing (as in RabbitMQ); patterns are anchored only if the user
 * anchors them. Passwords are kept only as hashes (see password.ts). `guest` may connect only
 * from loopback, as RabbitMQ's default `loopback_users`.
 */
import { hashPassword, verifyPassword, PASSWORD_HASHING_ALGORITHM } from './password.js';

export type PermissionKind = 'configure' | 'write' | 'read';

export interface PermissionPatterns {
  configure: string;
  write: string;
  read: string;
}

export interface User {
  name: string;
  passwordHash: string;
  hashingAlgorithm: string;
  tags: string[];
}

interface CompiledPermissions {
  patterns: PermissionPatterns;
  configure: RegExp | null;
  write: RegExp | null;
  read: RegExp | null;
}

export const DEFAULT_USER = 'guest';
export const FULL_ACCESS: PermissionPatterns = { configure: '.*', write: '.*', read: '.*' };

function compile(pattern: string): RegExp | null {
  checkPatternSafety(pattern);
  return pattern === '' ? null : new RegExp(pattern);
}

/** Longest permission pattern accepted. */
export const MAX_PATTERN_LENGTH = 1024;

/**
 * Refuses permission patterns that could make a permission check run for exponential time
 * (every AMQP operation runs one): a quantified group that itself contains a quantifier or an
 * alternation, as in `(a+)+`, `(a|a)*` or `(\w*){2,}`, plus back-references and over-long
 * patterns. What is left (quantifiers on single atoms and classes, anchors, plain groups)
 * matches in time linear in the resource name, which AMQP caps at 255 bytes.
 */
export function checkPatternSafety(pattern: string, what = 'permission pattern'): void {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new RangeError(`${what} longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  new RegExp(pattern); // a SyntaxError for an invalid one
  if (/\\[1-9]|\\k</.test(pattern)) throw new RangeError(`${what} '${pattern}' uses a back-reference`);
  const groups: { risky: boolean }[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      i = classEnd(pattern, i);
      continue;
    }
    if (c === '(') groups.push({ risky: false });
    else if (c === ')') {
      const group = groups.pop();
      if (group?.risky === true && isQuantifier(pattern, i + 1)) {
        throw new RangeError(`${what} '${pattern}' nests quantifiers (catastrophic backtracking)`);
      }
      if (group?.risky === true && groups.length > 0) groups[groups.length - 1]!.risky = true;
    } else if ((c === '|' || isQuantifier(pattern, i)) && groups.length > 0) {
      groups[groups.length - 1]!.risky = true;
    }
  }
}

function isQuantifier(pattern: string, i: number): boolean {
  const c = pattern[i];
  return c === '*' || c === '+' || (c === '{' && /^\{\d+(,\d*)?\}/.test(pattern.slice(i)));
}

/** Index of the `]` closing the character class opened at `start`. */
function classEnd(pattern: string, start: number): number {
  for (let i = start + 1; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']' && i > start + 1) return i;
  }
  return pattern.length;
}

export class UserStore {
  private readonly users = new Map<string, User>();
  /** user → vhost → permissions */
  private readonly permissions = new Map<string, Map<string, CompiledPermissions>>();
  private readonly loopbackOnly = new Set<string>();
  /** Called after every change to users or permissions (a definitions store saves then). */
  onChange: (() => void) | undefined = undefined;

  /** A store with RabbitMQ's default user: guest/guest, administrator, full access to "/", loopback only. */
  static withDefaultUser(): UserStore {
    const store = new UserStore();
    store.addUser(DEFAULT_USER, 'guest', ['administrator']);
    store.setPermissions(DEFAULT_USER, '/', FULL_ACCESS);
    store.setLoopbackOnly(DEFAULT_USER, true);
    return store;
  }

  addUser(name: string, password: string, tags: string[] = []): User {
    return this.putUser({
      name,
      passwordHash: hashPassword(password),
      hashingAlgorithm: PASSWORD_HASHING_ALGORITHM,
      tags,
    });
  }

  /** Adds or replaces a user from an already-hashed password (definitions import, restore). */
  putUser(user: User): User {
    if (user.name === '') throw new RangeError('user name must not be empty');
    const copy = { ...user, tags: [...user.tags] };
    this.users.set(user.name, copy);
    this.onChange?.();
    return copy;
  }

  deleteUser(name: string): boolean {
    this.permissions.delete(name);
    this.loopbackOnly.delete(name);
    const deleted = this.users.delete(name);
    if (deleted) this.onChange?.();
    return deleted;
  }

  getUser(name: string): User | undefined {
    return this.users.get(name);
  }

  listUsers(): User[] {
    return [...this.users.values()];
  }

  changePassword(name: string, password: string): void {
    const user = this.requireUser(name);
    user.passwordHash = hashPassword(password);
    user.hashingAlgorithm = PASSWORD_HASHING_ALGORITHM;
    this.onChange?.();
  }

  setTags(name: string, tags: string[]): void {
    this.requireUser(name).tags = [...tags];
    this.onChange?.();
  }

  setLoopbackOnly(name: string, loopbackOnly: boolean): void {
    if (loopbackOnly) this.loopbackOnly.add(name);
    else this.loopbackOnly.delete(name);
    this.onChange?.();
  }

  isLoopbackOnly(name: string): boolean {
    return this.loopbackOnly.has(name);
  }

  /**
   * Checks a login. Returns the user, or a reason string for the refusal (never says which
   * of name or password was wrong, as RabbitMQ).
   */
  authenticate(name: string, password: string, fromLoopback: boolean): User | string {
    const user = this.users.get(name);
    // A blank password never logs in (RabbitMQ's internal backend refuses it too), whatever
    // hash an imported definition carries.
    if (user === undefined || password === '' || !verifyPassword(password, user.passwordHash)) {
      return `Login was refused using authentication mechanism PLAIN. For details see the broker logfile.`;
    }
    if (this.loopbackOnly.has(name) && !fromLoopback) {
      return `User '${name}' can only connect via localhost`;
    }
    return user;
  }

  setPermissions(user: string, vhost: string, patterns: PermissionPatterns): void {
    this.requireUser(user);
    const compiled: CompiledPermissions = {
      patterns: { ...patterns },
      configure: compile(patterns.configure),
      write: compile(patterns.write),
      read: compile(patterns.read),
    };
    let byVhost = this.permissions.get(user);
    if (byVhost === undefined) {
      byVhost = new Map<string, CompiledPermissions>();
      this.permissions.set(user, byVhost);
    }
    byVhost.set(vhost, compiled);
    this.onChange?.();
  }

  clearPermissions(user: string, vhost: string): boolean {
    const cleared = this.permissions.get(user)?.delete(vhost) ?? false;
    if (cleared) this.onChange?.();
    return cleared;
  }

  /** Drops every user's permissions on a vhost (when the vhost is deleted). */
  clearVhost(vhost: string): void {
    for (const byVhost of this.permissions.values()) byVhost.delete(vhost);
    this.onChange?.();
  }

  getPermissions(user: string, vhost: string): PermissionPatterns | undefined {
    return this.permissions.get(user)?.get(vhost)?.patterns;
  }

  listPermissions(): Array<{ user: string; vhost: string } & PermissionPatterns> {
    const out: Array<{ user: string; vhost: string } & PermissionPatterns> = [];
    for (const [user, byVhost] of this.permissions) {
      for (const [vhost, p] of byVhost) out.push({ user, vhost, ...p.patterns });
    }
    return out;
  }

  /** True when the user has any permissions on the vhost (RabbitMQ's vhost access check). */
  canAccessVhost(user: string, vhost: string): boolean {
    return this.permissions.get(user)?.has(vhost) ?? false;
  }

  /** RabbitMQ's `impersonator` tag: may publish with another user's user_id. */
  mayImpersonate(user: string): boolean {
    return this.users.get(user)?.tags.includes('impersonator') ?? false;
  }

  /** True when `resource` (an exchange or queue name) matches the user's `kind` pattern on `vhost`. */
  isPermitted(user: string, vhost: string, kind: PermissionKind, resource: string): boolean {
    const regex = this.permissions.get(user)?.get(vhost)?.[kind];
    return regex != null && regex.test(resource);
  }

  private requireUser(name: string): User {
    const user = this.users.get(name);
    if (user === undefined) throw new RangeError(`no such user '${name}'`);
    return user;
  }
}
