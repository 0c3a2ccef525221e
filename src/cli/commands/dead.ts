/**
 * `warren dead list|show|retry|purge|export <task>`: the failed jobs of a task, read from and
 * re-driven out of its dead-letter queue (`<queue>.dead`) over AMQP, on Warren's server or
 * RabbitMQ alike (transports/dead-letters does the work).
 */
import { renderTable } from '../management-client.js';
import {
  DeadLetterSelectionError,
  deadQueueOf,
  discardDeadLetters,
  peekDeadLetters,
  redriveDeadLetters,
  type DeadLetter,
  type DeadLetterOutcome,
  type DeadLetterSelection,
} from '../../transports/dead-letters/index.js';
import type { TransportChannel } from '../../transports/transport.js';
import type { CliCommand, CliIO } from '../command.js';
import { UserError } from '../command.js';
import { parseBrokerArgs, requireBrokerUrl, withChannel } from '../connect.js';
import { parseJsonArg, parsePositiveInt } from '../json-arg.js';
import { amqpToUserError } from './purge.js';

const usage = `Usage: warren dead <action> <task> [id ...] [options]

The failed jobs of a task: messages its workers dead-lettered to <queue>.dead after the last
retry or a final error, with the error they died of.

Actions:
  list <task>                 One line per dead letter: id, attempts, reason, error
  show <task> <id>            One dead letter in full: error headers, x-death, properties, payload
  retry <task> [id ...]       Move dead letters back to the task queue, attempts reset
                              (select with ids, --all, --error or --reason)
  purge <task> [id ...]       Delete dead letters (all of them without ids or filters)
  export <task>               Every dead letter as one JSON object per line

Options:
  --url <amqp-url>     Broker (default: $WARREN_URL; required)
  --queue <name>       The task's queue when it is not the task name
  --all                retry/purge: every dead letter
  --error <regex>      retry/purge: only those whose error name or message matches
  --reason <reason>    retry/purge: only those dead for this reason (retries-exhausted,
                       unrecoverable, redelivered-too-often, rejected, expired, ...)
  --payload <json>     retry one id with this payload instead (edit and retry)
  --limit <n>          list/export: at most n dead letters (default 100 / all)
  --json               list/show: print JSON

Examples:
  warren dead list email.send
  warren dead retry email.send --error 'ETIMEDOUT'
  warren dead retry email.send 6f1c… --payload '{"to":"a@b.c"}'
  warren dead export email.send > failed.jsonl`;

const OPTIONS = {
  queue: { type: 'string' },
  all: { type: 'boolean', default: false },
  error: { type: 'string' },
  reason: { type: 'string' },
  payload: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseBrokerArgs<typeof OPTIONS>>['values'];

export const deadCommand: CliCommand = {
  name: 'dead',
  summary: "List, inspect, retry, purge or export a task's failed jobs",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseBrokerArgs(argv, OPTIONS);
    const [action, task, ...ids] = positionals;
    if (action === undefined || task === undefined)
      throw new UserError(`expected <action> <task>\n${usage}`, 2);
    const queue = values.queue ?? task;
    const url = requireBrokerUrl(values.url, 'dead');
    const act = ACTIONS[action];
    if (act === undefined) {
      throw new UserError(`unknown action '${action}' (${Object.keys(ACTIONS).join(', ')})`, 2);
    }
    return withChannel(url, (ch) => act({ ch, io, queue, ids, values })).catch((err: unknown) => {
      if (err instanceof DeadLetterSelectionError) throw new UserError(err.message, 2, { cause: err });
      throw amqpToUserError(err);
    });
  },
};

interface ActionArgs {
  ch: TransportChannel;
  io: CliIO;
  queue: string;
  ids: string[];
  values: Values;
}

const ACTIONS: Record<string, (a: ActionArgs) => Promise<number>> = {
  async list({ ch, io, queue, values }) {
    const letters = await peekDeadLetters(
      ch,
      deadQueueOf(queue),
      parsePositiveInt(values.limit, '--limit', 100),
    );
    if (values.json) {
      io.out(JSON.stringify(letters, null, 2));
      return 0;
    }
    if (letters.length === 0) {
      io.out(`no dead letters in '${deadQueueOf(queue)}'`);
      return 0;
    }
    const rows = letters.map((l) => [l.id, l.attempt ?? '', l.reason ?? '', failedAt(l), errorLine(l)]);
    for (const line of renderTable(['id', 'attempts', 'reason', 'failed at', 'error'], rows)) io.out(line);
    return 0;
  },

  async show({ ch, io, queue, ids, values }) {
    if (ids.length !== 1) throw new UserError('dead show needs one message id (see dead list)', 2);
    const letters = await peekDeadLetters(ch, deadQueueOf(queue), Number.MAX_SAFE_INTEGER);
    const letter = letters.find((l) => l.id === ids[0]);
    if (letter === undefined)
      throw new UserError(`no dead letter with id ${ids[0]} in '${deadQueueOf(queue)}'`);
    if (values.json) io.out(JSON.stringify(letter, null, 2));
    else printLetter(io, letter);
    return 0;
  },

  async retry({ ch, io, queue, ids, values }) {
    const payload = values.payload === undefined ? undefined : parseJsonArg(values.payload);
    const outcome = await redriveDeadLetters(ch, {
      deadQueue: deadQueueOf(queue),
      workQueue: queue,
      selection: selection(ids, values),
      ...(payload === undefined
        ? {}
        : { payload: Buffer.from(JSON.stringify(payload)), contentType: 'application/json' }),
    });
    report(io, outcome, `moved back to '${queue}'`);
    return outcome.missing.length > 0 ? 1 : 0;
  },

  async purge({ ch, io, queue, ids, values }) {
    const picked = selection(ids, values, true);
    if (picked === undefined) {
      const count = await ch.purgeQueue(deadQueueOf(queue));
      io.out(`purged ${count} dead letter${count === 1 ? '' : 's'} from '${deadQueueOf(queue)}'`);
      return 0;
    }
    const outcome = await discardDeadLetters(ch, deadQueueOf(queue), picked);
    report(io, outcome, `deleted from '${deadQueueOf(queue)}'`);
    return outcome.missing.length > 0 ? 1 : 0;
  },

  async export({ ch, io, queue, values }) {
    const limit = parsePositiveInt(values.limit, '--limit', Number.MAX_SAFE_INTEGER);
    for (const letter of await peekDeadLetters(ch, deadQueueOf(queue), limit)) io.out(JSON.stringify(letter));
    return 0;
  },
};

function selection(ids: string[], values: Values): DeadLetterSelection;
function selection(ids: string[], values: Values, optional: true): DeadLetterSelection | undefined;
function selection(ids: string[], values: Values, optional = false): DeadLetterSelection | undefined {
  const s: DeadLetterSelection = { ids, all: values.all };
  if (values.error !== undefined) s.error = parseRegex(values.error);
  if (values.reason !== undefined) s.reason = values.reason;
  const empty = ids.length === 0 && !values.all && s.error === undefined && s.reason === undefined;
  if (empty && optional) return undefined;
  if (empty)
    throw new UserError('dead retry: pass message ids, --all, --error <regex> or --reason <reason>', 2);
  return s;
}

function parseRegex(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch (err) {
    throw new UserError(`--error: invalid regular expression: ${(err as Error).message}`, 2);
  }
}

function report(io: CliIO, outcome: DeadLetterOutcome, what: string): void {
  const n = outcome.ids.length;
  io.out(`${n} dead letter${n === 1 ? '' : 's'} ${what}${n > 0 ? `: ${outcome.ids.join(', ')}` : ''}`);
  if (outcome.missing.length > 0) io.err(`not found: ${outcome.missing.join(', ')}`);
}

function failedAt(l: DeadLetter): string {
  return (
    l.lastFailure ??
    (typeof l.deaths[0]?.time === 'number' ? new Date(l.deaths[0].time * 1000).toISOString() : '')
  );
}

function errorLine(l: DeadLetter): string {
  if (l.errorName === null && l.error === null) return '';
  const text = `${l.errorName ?? 'Error'}: ${l.error ?? ''}`.replace(/\s+/g, ' ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function printLetter(io: CliIO, l: DeadLetter): void {
  io.out(`id:            ${l.id}`);
  io.out(`reason:        ${l.reason ?? '-'}`);
  io.out(`attempts:      ${l.attempt ?? '-'}`);
  io.out(
    `error:         ${l.errorName ?? '-'}${l.errorCode !== null ? ` (${l.errorCode})` : ''}: ${l.error ?? '-'}`,
  );
  io.out(`first failure: ${l.firstFailure ?? '-'}`);
  io.out(`last failure:  ${l.lastFailure ?? '-'}`);
  for (const d of l.deaths) {
    io.out(
      `x-death:       ${JSON.stringify(d.reason)} from ${JSON.stringify(d.queue)} ×${JSON.stringify(d.count)}`,
    );
  }
  io.out('headers:');
  for (const [key, value] of Object.entries(l.headers)) io.out(`  ${key}: ${JSON.stringify(value)}`);
  io.out('properties:');
  for (const [key, value] of Object.entries(l.properties)) io.out(`  ${key}: ${JSON.stringify(value)}`);
  io.out(`payload (${l.payloadBytes} bytes, ${l.payloadEncoding}):`);
  io.out(l.payload);
}
