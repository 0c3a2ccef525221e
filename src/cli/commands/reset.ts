/**
 * `warren reset`: empties the broker through the management API (POST /api/reset): every
 * vhost but "/" is deleted, "/" loses its queues (and their messages) and exchanges; users
 * stay. Asks for confirmation (type the word "reset") unless --yes.
 */
import { createInterface } from 'node:readline/promises';
import { UserError } from '../command.js';
import type { CliCommand } from '../command.js';
import { CONNECTION_HELP, ManagementClient, parseOperatorArgs } from '../management-client.js';

async function confirmed(): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      'This deletes every queue, message, exchange and vhost. Type "reset" to go on: ',
    );
    return answer.trim() === 'reset';
  } finally {
    rl.close();
  }
}

export const resetCommand: CliCommand = {
  name: 'reset',
  summary: 'Delete all queues, messages, exchanges and vhosts (asks first)',
  usage: [
    'Usage: warren reset [--yes] [options]',
    '',
    'Options:',
    '  -y, --yes          Do not ask for confirmation',
    CONNECTION_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseOperatorArgs(argv);
    if (values.yes !== true && !(await confirmed())) {
      throw new UserError('not confirmed; nothing was changed (use --yes to skip the prompt)');
    }
    await new ManagementClient(values).request('POST', '/reset');
    io.out('broker reset');
    return 0;
  },
};
