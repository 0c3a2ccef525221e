/** `warren purge <queue>`: removes every ready message from a queue. */
import { AmqpError } from '../../protocol/errors.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../command.js';
import { parseBrokerArgs, requireBrokerUrl, withChannel } from '../connect.js';

const usage = `Usage: warren purge <queue> [options]

Removes every ready message from a queue (AMQP queue.purge) and prints how many.
Messages delivered to a consumer and not yet acknowledged are not purged.

Options:
  --url <amqp-url>   Broker (default: $WARREN_URL; required)

Example:
  warren purge email.send`;

export const purgeCommand: CliCommand = {
  name: 'purge',
  summary: 'Remove every ready message from a queue',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseBrokerArgs(argv, {});
    const [queue, ...extra] = positionals;
    if (queue === undefined || extra.length > 0) throw new UserError(`expected <queue>\n${usage}`, 2);
    const url = requireBrokerUrl(values.url, 'purge');
    const count = await withChannel(url, (ch) => ch.purgeQueue(queue)).catch((err: unknown) => {
      throw amqpToUserError(err);
    });
    io.out(`purged ${count} message${count === 1 ? '' : 's'} from '${queue}'`);
    return 0;
  },
};

/** A broker refusal (404 NOT_FOUND, 403 ACCESS_REFUSED, 406 …) as one line. */
export function amqpToUserError(err: unknown): unknown {
  if (err instanceof AmqpError) return new UserError(err.message, 1, { cause: err });
  return err;
}
