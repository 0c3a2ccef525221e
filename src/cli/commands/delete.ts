/** `warren delete queue|exchange <name>`: deletes a queue or an exchange. */
import type { CliCommand } from '../command.js';
import { UserError } from '../command.js';
import { parseBrokerArgs, requireBrokerUrl, withChannel } from '../connect.js';
import { amqpToUserError } from './purge.js';

const usage = `Usage: warren delete queue <name> [options]
       warren delete exchange <name> [options]

Deletes a queue (with its messages; prints how many) or an exchange (with its bindings).
Deleting a queue or exchange that does not exist succeeds, as in AMQP.

Options:
  --url <amqp-url>   Broker (default: $WARREN_URL; required)
  --if-unused        Only delete when the queue has no consumers / the exchange no bindings
  --if-empty         Only delete a queue that holds no messages

Example:
  warren delete queue email.send.dead`;

export const deleteCommand: CliCommand = {
  name: 'delete',
  summary: 'Delete a queue or an exchange',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseBrokerArgs(argv, {
      'if-unused': { type: 'boolean', default: false },
      'if-empty': { type: 'boolean', default: false },
    });
    const [kind, name, ...extra] = positionals;
    if ((kind !== 'queue' && kind !== 'exchange') || name === undefined || extra.length > 0) {
      throw new UserError(`expected queue|exchange <name>\n${usage}`, 2);
    }
    const url = requireBrokerUrl(values.url, 'delete');
    const ifUnused = values['if-unused'];
    try {
      if (kind === 'queue') {
        const options = { ifUnused, ifEmpty: values['if-empty'] };
        const count = await withChannel(url, (ch) => ch.deleteQueue(name, options));
        io.out(`deleted queue '${name}' (${count} message${count === 1 ? '' : 's'})`);
      } else {
        await withChannel(url, (ch) => ch.deleteExchange(name, { ifUnused }));
        io.out(`deleted exchange '${name}'`);
      }
      return 0;
    } catch (err) {
      throw amqpToUserError(err);
    }
  },
};
