/**
 * `warren policies set|clear|list` through the management API (administrator or
 * policymaker), as `rabbitmqctl set_policy|clear_policy|list_policies`: a policy's pattern
 * (a regular expression on queue/exchange names), definition (JSON), --priority (default 0)
 * and --apply-to (queues, exchanges or all; default all), in a vhost (default "/").
 */
import { UserError } from '../command.js';
import type { CliCommand } from '../command.js';
import { parseJsonArg } from '../json-arg.js';
import {
  CONNECTION_HELP,
  ManagementClient,
  parseOperatorArgs,
  printRows,
  vhostPath,
} from '../management-client.js';

interface Policy {
  vhost: string;
  name: string;
  pattern: string;
  'apply-to': string;
  definition: Record<string, unknown>;
  priority: number;
}

export const policiesCommand: CliCommand = {
  name: 'policies',
  summary: 'Set, clear or list policies (run-time queue/exchange arguments by name pattern)',
  usage: [
    'Usage: warren policies <action> [--vhost V] [options]',
    '',
    'Actions:',
    '  list',
    '  set NAME PATTERN DEFINITION   e.g. set ttl "^jobs\\." \'{"message-ttl":60000}\'',
    '  clear NAME',
    '',
    'Options:',
    '  --vhost V          Vhost (default "/"; list: every vhost you may see)',
    '  --priority N       set: the policy priority (default 0; the highest matching one applies)',
    '  --apply-to WHAT    set: queues, exchanges or all (default all)',
    CONNECTION_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseOperatorArgs(argv);
    const [action, name, pattern, definition] = positionals;
    const api = new ManagementClient(values);
    const vhost = values.vhost ?? '/';
    if (action === 'list' || action === undefined) {
      const path = values.vhost === undefined ? '/policies' : `/policies/${vhostPath(vhost)}`;
      const rows = await api.get<Policy[]>(path);
      printRows(io, values, rows, ['vhost', 'name', 'pattern', 'apply-to', 'definition', 'priority'], (p) => [
        p.vhost,
        p.name,
        p.pattern,
        p['apply-to'],
        JSON.stringify(p.definition),
        p.priority,
      ]);
      return 0;
    }
    if (name === undefined) throw new UserError(`policies ${action} needs a policy name`, 2);
    const path = `/policies/${vhostPath(vhost)}/${encodeURIComponent(name)}`;
    if (action === 'set') {
      if (pattern === undefined || definition === undefined)
        throw new UserError('policies set needs NAME PATTERN DEFINITION', 2);
      const body = {
        pattern,
        definition: parseJsonArg(definition, 'definition'),
        priority: values.priority === undefined ? 0 : Number(values.priority),
        'apply-to': values['apply-to'] ?? 'all',
      };
      if (!Number.isFinite(body.priority))
        throw new UserError(`--priority must be a number, got '${values.priority}'`, 2);
      await api.request('PUT', path, body);
      io.out(`set policy '${name}' for pattern '${pattern}' in vhost '${vhost}'`);
    } else if (action === 'clear') {
      await api.request('DELETE', path);
      io.out(`cleared policy '${name}' in vhost '${vhost}'`);
    } else throw new UserError(`unknown action '${action}' (set, clear, list)`, 2);
    return 0;
  },
};
