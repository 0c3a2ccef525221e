/** `warren enqueue <task> [json]`: enqueues a task once or `--count N` times. */
import type { CliCommand } from '../command.js';
import { UserError } from '../command.js';
import { parseBrokerArgs, requireBrokerUrl, withClientApp } from '../connect.js';
import { parseJsonArg, parsePositiveInt } from '../json-arg.js';
import { reportSummary, sendMany } from '../send-many.js';

const usage = `Usage: warren enqueue <task> [json] [options]

Enqueues a @Task message (persistent, confirmed by the broker). The payload defaults to {}.
The message goes to the queue named after the task; pass --queue when the task declares
another queue. Fails when no queue exists for the task (no worker ever declared it).

Options:
  --url <amqp-url>   Broker (default: $WARREN_URL; required)
  --queue <name>     Queue to send to (default: the task name)
  --count <n>        Enqueue the payload n times (default 1); a progress bar is drawn on a
                     terminal for long runs, then a summary (count, msgs/s)
  --priority <n>     Message priority (for tasks declared with a priority)

Example:
  warren enqueue email.send '{"to":"a@b.c","subject":"hi"}' --count 1000`;

export const enqueueCommand: CliCommand = {
  name: 'enqueue',
  summary: 'Enqueue a task (optionally --count N times)',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseBrokerArgs(argv, {
      queue: { type: 'string' },
      count: { type: 'string' },
      priority: { type: 'string' },
    });
    const [task, json, ...extra] = positionals;
    if (task === undefined || extra.length > 0) throw new UserError(`expected <task> [json]\n${usage}`, 2);
    const payload = parseJsonArg(json);
    const count = parsePositiveInt(values.count, '--count', 1);
    const priority =
      values.priority === undefined ? undefined : parsePositiveInt(values.priority, '--priority', 0);
    const queue = values.queue ?? task;
    const url = requireBrokerUrl(values.url, 'enqueue');
    const hint = `no queue '${queue}' on this broker (start a worker for '${task}', or pass --queue)`;
    return withClientApp(url, hint, async (app) => {
      // The client sends to the task's queue; an app without services knows none, so map it here.
      const send = () => app.client.enqueue(queue, payload, { priority });
      if (count === 1) {
        const { messageId } = await send();
        io.out(`enqueued ${task} (message id ${messageId})`);
      } else {
        reportSummary(io, 'enqueued', `'${queue}'`, await sendMany(count, send));
      }
      return 0;
    });
  },
};
