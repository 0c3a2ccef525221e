/**
 * `warren definitions export [FILE]` / `import FILE`: the broker's definitions in
 * RabbitMQ's JSON format (vhosts, users with password hashes, permissions, exchanges,
 * queues, bindings) through GET/POST /api/definitions. Export writes to stdout without FILE.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { UserError } from '../command.js';
import type { CliCommand } from '../command.js';
import { CONNECTION_HELP, ManagementClient, parseOperatorArgs } from '../management-client.js';

export const definitionsCommand: CliCommand = {
  name: 'definitions',
  summary: 'Export or import definitions (RabbitMQ format)',
  usage: [
    'Usage: warren definitions <export [FILE]|import FILE> [options]',
    '',
    'Options:',
    CONNECTION_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseOperatorArgs(argv);
    const [action, file] = positionals;
    const api = new ManagementClient(values);
    if (action === 'export') {
      const text = JSON.stringify(await api.get('/definitions'), null, 2);
      if (file === undefined) io.out(text);
      else {
        writeFileSync(file, `${text}\n`);
        io.out(`exported definitions to ${file}`);
      }
      return 0;
    }
    if (action !== 'import' || file === undefined)
      throw new UserError('use: definitions export [FILE] | import FILE', 2);
    let defs: unknown;
    try {
      defs = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new UserError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    }
    await api.request('POST', '/definitions', defs);
    io.out(`imported definitions from ${file}`);
    return 0;
  },
};
