/**
 * `warren permissions set|clear|list` through the management API (administrator): the
 * configure / write / read regular expressions of a user on a vhost (default "/").
 */
import { UserError } from '../command.js';
import type { CliCommand } from '../command.js';
import {
  CONNECTION_HELP,
  ManagementClient,
  parseOperatorArgs,
  printRows,
  vhostPath,
} from '../management-client.js';

interface Permission {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

export const permissionsCommand: CliCommand = {
  name: 'permissions',
  summary: "Set, clear or list users' vhost permissions",
  usage: [
    'Usage: warren permissions <action> [--vhost V] [options]',
    '',
    'Actions:',
    '  list',
    '  set USER CONFIGURE WRITE READ   (regular expressions, e.g. ".*" ".*" ".*")',
    '  clear USER',
    '',
    'Options:',
    '  --vhost V          Vhost (default "/")',
    CONNECTION_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseOperatorArgs(argv);
    const [action, user, configure, write, read] = positionals;
    const api = new ManagementClient(values);
    const vhost = values.vhost ?? '/';
    if (action === 'list' || action === undefined) {
      let rows = await api.get<Permission[]>('/permissions');
      if (values.vhost !== undefined) rows = rows.filter((p) => p.vhost === vhost);
      printRows(io, values, rows, ['user', 'vhost', 'configure', 'write', 'read'], (p) => [
        p.user,
        p.vhost,
        p.configure,
        p.write,
        p.read,
      ]);
      return 0;
    }
    if (user === undefined) throw new UserError(`permissions ${action} needs a user`, 2);
    const path = `/permissions/${vhostPath(vhost)}/${encodeURIComponent(user)}`;
    if (action === 'set') {
      if (configure === undefined || write === undefined || read === undefined)
        throw new UserError('permissions set needs USER CONFIGURE WRITE READ', 2);
      await api.request('PUT', path, { configure, write, read });
    } else if (action === 'clear') await api.request('DELETE', path);
    else throw new UserError(`unknown action '${action}' (set, clear, list)`, 2);
    io.out(`${action}: permissions of '${user}' on '${vhost}' done`);
    return 0;
  },
};
