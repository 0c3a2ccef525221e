/**
 * `warren schedules`: the schedules the current leader runs, with their next and last run
 * times. The leader (one worker, chosen by a single-active-consumer queue) keeps this in the
 * one-message queue `<prefix>.schedules.state`; this peeks at it (get, then requeue).
 */
import type { ScheduleStatus } from '../../framework/schedule/schedule-runner.js';
import { scheduleStateQueue } from '../../framework/schedule/schedule-runner.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../command.js';
import { parseBrokerArgs, requireBrokerUrl, withChannel } from '../connect.js';
import { amqpToUserError } from './purge.js';

const usage = `Usage: warren schedules [options]

Lists the schedules (@Cron, @Every, app.schedule) with their next and last run times, as the
workers' current leader last recorded them.

Options:
  --url <amqp-url>   Broker (default: $WARREN_URL; required)
  --prefix <name>    The apps' delayTopologyPrefix (default: warren)
  --json             Print JSON

Example:
  warren schedules --url amqp://localhost`;

interface StateMessage {
  updatedAt: string;
  schedules: ScheduleStatus[];
}

export const schedulesCommand: CliCommand = {
  name: 'schedules',
  summary: 'List schedules with their next run times',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseBrokerArgs(argv, {
      prefix: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UserError(`unexpected arguments\n${usage}`, 2);
    const url = requireBrokerUrl(values.url, 'schedules');
    const queue = scheduleStateQueue(values.prefix ?? 'warren');
    const state = await withChannel(url, async (ch) => {
      await ch.checkQueue(queue);
      const m = await ch.get(queue, { noAck: false });
      if (m === null) return undefined;
      ch.nack(m, true);
      return JSON.parse(m.body.toString()) as StateMessage;
    }).catch((err: unknown) => {
      throw amqpToUserError(err);
    });
    if (state === undefined) {
      io.out('no schedules recorded yet (no worker with schedules has run)');
      return 0;
    }
    if (values.json === true) {
      io.out(JSON.stringify(state, null, 2));
      return 0;
    }
    io.out(table(state.schedules));
    io.out(`(recorded by the leader at ${state.updatedAt})`);
    return 0;
  },
};

function table(rows: readonly ScheduleStatus[]): string {
  const lines = [['NAME', 'TASK', 'WHEN', 'NEXT RUN', 'LAST RUN']];
  for (const r of rows) {
    const when =
      r.cron !== undefined ? `cron ${r.cron}${r.tz ? ` (${r.tz})` : ''}` : `every ${String(r.every)}`;
    lines.push([r.name, r.task, when, r.nextRun ?? '-', r.lastRun ?? '-']);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  return lines
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
