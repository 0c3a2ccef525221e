/**
 * `warren users add|delete|list|passwd|tags` through the management API (administrator).
 * Tags: administrator, monitoring, management (comma-separated with --tags or as extra
 * positionals for `tags`).
 */
import { UserError } from '../command.js';
import type { CliCommand } from '../command.js';
import {
  CONNECTION_HELP,
  ManagementClient,
  parseOperatorArgs,
  printRows,
  readPasswordFile,
  type OperatorValues,
} from '../management-client.js';

const USAGE = [
  'Usage: warren users <action> [options]',
  '',
  'Actions:',
  '  list',
  '  add NAME [PASSWORD] [--tags administrator,management]   (refused if NAME exists, as rabbitmqctl)',
  '  delete NAME',
  '  passwd NAME [PASSWORD]',
  '  tags NAME [TAG ...]',
  '',
  'The new password: --new-password-file F (- for stdin), else the PASSWORD argument (visible',
  'in `ps`; avoid it on shared hosts), else $WARREN_NEW_PASSWORD. It must not be empty.',
  '',
  'Options:',
  CONNECTION_HELP,
].join('\n');

export const usersCommand: CliCommand = {
  name: 'users',
  summary: 'Manage broker users, passwords and tags',
  usage: USAGE,
  async run(argv, io) {
    const { values, positionals } = parseOperatorArgs(argv);
    const [action, name, ...rest] = positionals;
    const api = new ManagementClient(values);
    if (action === 'list' || action === undefined) {
      const rows = await api.get<Array<{ name: string; tags: string[] }>>('/users');
      printRows(io, values, rows, ['name', 'tags'], (r) => [r.name, r.tags.join(',')]);
      return 0;
    }
    if (name === undefined) throw new UserError(`users ${action} needs a user name`, 2);
    const path = `/users/${encodeURIComponent(name)}`;
    switch (action) {
      case 'add':
      case 'passwd': {
        const password = newPassword(values, rest[0], action);
        if (action === 'add' && (await exists(api, path))) {
          throw new UserError(`User "${name}" already exists`, 70);
        }
        const current = action === 'passwd' ? await api.get<{ tags: string[] }>(path) : undefined;
        const tags = values.tags ?? current?.tags.join(',') ?? '';
        await api.request('PUT', path, { password, tags });
        break;
      }
      case 'delete':
        await api.request('DELETE', path);
        break;
      case 'tags':
        await api.request('PUT', path, { tags: rest.join(',') });
        break;
      default:
        throw new UserError(`unknown action '${action}' (add, delete, list, passwd, tags)`, 2);
    }
    io.out(`${action}: user '${name}' done`);
    return 0;
  },
};

/** The password being set: from a file, the environment, or (last) the command line. */
function newPassword(values: OperatorValues, argument: string | undefined, action: string): string {
  const file = values['new-password-file'];
  const password =
    file !== undefined
      ? readPasswordFile(file, '--new-password-file')
      : (argument ?? process.env['WARREN_NEW_PASSWORD']);
  if (password === undefined) {
    throw new UserError(
      `users ${action} needs a password (--new-password-file, $WARREN_NEW_PASSWORD or an argument)`,
      2,
    );
  }
  if (password === '') throw new UserError('the password must not be empty', 2);
  return password;
}

async function exists(api: ManagementClient, path: string): Promise<boolean> {
  try {
    await api.get(path);
    return true;
  } catch (e) {
    if (e instanceof UserError && / 404 /.test(e.message)) return false;
    throw e;
  }
}
