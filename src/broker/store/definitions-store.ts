/**
 * The definitions store of a data dir: durable vhosts, exchanges, queues and bindings (as
 * the engine's DefinitionsListener) and users and permissions (through UserStore's change
 * hook), saved as definitions.json (definitions-file.ts). Kept apart from the message
 * store; the message log only asks it to save before each of its writes.
 */
import type { UserStore } from '../access/user-store.js';
import { DefinitionsFile } from './definitions-file.js';
import { errorText } from './store-errors.js';
import { restoreUsers, usersSnapshot } from './users-snapshot.js';

export class DefinitionsStore extends DefinitionsFile {
  /** The user store being followed (bindUsers). */
  private boundUsers: UserStore | undefined;

  constructor(
    dir: string,
    private readonly warn: (text: string) => void,
  ) {
    super(dir);
  }

  /** Makes `users` persistent: restores the saved users (if any) into it and saves on change. */
  bindUsers(users: UserStore): void {
    this.boundUsers = users;
    if (this.users !== undefined) restoreUsers(users, this.users);
    this.usersSource = () => usersSnapshot(users);
    users.onChange = () => this.markDirty();
    this.markDirty();
  }

  /** Writes what is pending and stops following the user store (broker shutdown). */
  async close(): Promise<void> {
    if (this.boundUsers !== undefined) this.boundUsers.onChange = undefined;
    await this.save().catch((e: unknown) => this.warn(`saving definitions failed: ${errorText(e)}`));
  }
}
