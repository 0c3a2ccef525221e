/** `warren publish <exchange> <routing-key> [json]`: publishes an event once or `--count N` times. */
import type { CliCommand } from '../command.js';
import { UserError } from '../command.js';
import { parseBrokerArgs, requireBrokerUrl, withClientApp } from '../connect.js';
import { parseJsonArg, parsePositiveInt } from '../json-arg.js';
import { reportSummary, sendMany } from '../send-many.js';

const usage = `Usage: warren publish <exchange> <routing-key> [json] [options]

Publishes a JSON event to an exchange (persistent, confirmed by the broker), as
app.client.publish does. The payload defaults to {}. Use '' for the routing key of a fanout
exchange. The exchange must exist (a subscriber declares it).

Options:
  --url <amqp-url>   Broker (default: $WARREN_URL; required)
  --count <n>        Publish n times (default 1), with a progress bar on a terminal for long
                     runs, then a summary (count, msgs/s)
  --mandatory        Fail when no queue is bound for the routing key

Example:
  warren publish logs kern.critical '{"msg":"disk full"}'`;

export const publishCommand: CliCommand = {
  name: 'publish',
  summary: 'Publish an event to an exchange (optionally --count N times)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseBrokerArgs(argv, {
      count: { type: 'string' },
      mandatory: { type: 'boolean', default: false },
    });
    const [exchange, routingKey, json, ...extra] = positionals;
    if (exchange === undefined || routingKey === undefined || extra.length > 0) {
      throw new UserError(`expected <exchange> <routing-key> [json]\n${usage}`, 2);
    }
    const payload = parseJsonArg(json);
    const count = parsePositiveInt(values.count, '--count', 1);
    const url = requireBrokerUrl(values.url, 'publish');
    const hint = `no queue is bound to '${exchange}' for routing key '${routingKey}'`;
    return withClientApp(url, hint, async (app) => {
      const send = () => app.client.publish(exchange, routingKey, payload, { mandatory: values.mandatory });
      const summary = await sendMany(count, send);
      reportSummary(io, 'published', `'${exchange}' with routing key '${routingKey}'`, summary);
      return 0;
    });
  },
};
