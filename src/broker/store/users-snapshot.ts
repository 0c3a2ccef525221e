/**
 * Users and permissions to and from the definitions snapshot (password hashes only, never
 * passwords). Restoring replaces the store's users with the saved ones.
 */
import type { UserStore } from '../access/user-store.js';
import type { UsersSnapshot } from './definitions-file.js';

export function usersSnapshot(users: UserStore): UsersSnapshot {
  const list = users.listUsers();
  return {
    users: list.map((u) => ({ ...u, tags: [...u.tags] })),
    permissions: users.listPermissions(),
    loopbackOnly: list.filter((u) => users.isLoopbackOnly(u.name)).map((u) => u.name),
  };
}

export function restoreUsers(users: UserStore, s: UsersSnapshot): void {
  const hook = users.onChange;
  users.onChange = undefined;
  try {
    for (const u of users.listUsers()) users.deleteUser(u.name);
    for (const u of s.users) users.putUser(u);
    for (const name of s.loopbackOnly) users.setLoopbackOnly(name, true);
    for (const p of s.permissions)
      users.setPermissions(p.user, p.vhost, { configure: p.configure, write: p.write, read: p.read });
  } finally {
    users.onChange = hook;
  }
}
