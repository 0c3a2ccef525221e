/**
 * `warren vhosts add|delete|list` through the management API (administrator).
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

export const vhostsCommand: CliCommand = {
  name: 'vhosts',
  summary: 'Add, delete or list virtual hosts',
  usage: ['Usage: warren vhosts <add NAME|delete NAME|list> [options]', '', 'Options:', CONNECTION_HELP].join(
    '\n',
  ),
  async run(argv, io) {
    const { values, positionals } = parseOperatorArgs(argv);
    const [action, name] = positionals;
    const api = new ManagementClient(values);
    if (action === 'list' || action === undefined) {
      const rows = await api.get<Array<{ name: string; messages: number; tracing: boolean }>>('/vhosts');
      printRows(io, values, rows, ['name', 'messages', 'tracing'], (r) => [
        r.name,
        r.messages,
        String(r.tracing),
      ]);
      return 0;
    }
    if (name === undefined) throw new UserError(`vhosts ${action} needs a vhost name`, 2);
    if (action === 'add') await api.request('PUT', `/vhosts/${vhostPath(name)}`, {});
    else if (action === 'delete') await api.request('DELETE', `/vhosts/${vhostPath(name)}`);
    else throw new UserError(`unknown action '${action}' (add, delete, list)`, 2);
    io.out(`${action === 'add' ? 'added' : 'deleted'} vhost '${name}'`);
    return 0;
  },
};
