/**
 * `warren list queues|exchanges|bindings|consumers|connections`: tables like rabbitmqctl's
 * list_* commands, from the management API; --json prints the API's objects, --vhost
 * narrows to one vhost.
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

type Row = Record<string, unknown>;
const rate = (o: unknown, k: string): number => {
  const d = (o as Record<string, { rate?: number } | undefined> | undefined)?.[`${k}_details`];
  return d?.rate ?? 0;
};
const s = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v ?? ''));
const n = (v: unknown): number => (typeof v === 'number' ? v : 0);

const KINDS: Record<string, { path: string; headers: string[]; row(r: Row): Array<string | number> }> = {
  queues: {
    path: 'queues',
    headers: ['vhost', 'name', 'ready', 'unacked', 'consumers', 'publish/s', 'deliver/s', 'ack/s'],
    row: (r) => [
      s(r['vhost']),
      s(r['name']),
      n(r['messages_ready']),
      n(r['messages_unacknowledged']),
      n(r['consumers']),
      rate(r['message_stats'], 'publish'),
      rate(r['message_stats'], 'deliver_get'),
      rate(r['message_stats'], 'ack'),
    ],
  },
  exchanges: {
    path: 'exchanges',
    headers: ['vhost', 'name', 'type', 'durable', 'auto_delete', 'internal'],
    row: (r) => [
      s(r['vhost']),
      s(r['name']),
      s(r['type']),
      s(r['durable']),
      s(r['auto_delete']),
      s(r['internal']),
    ],
  },
  bindings: {
    path: 'bindings',
    headers: ['vhost', 'source', 'destination', 'destination_type', 'routing_key'],
    row: (r) => [
      s(r['vhost']),
      s(r['source']),
      s(r['destination']),
      s(r['destination_type']),
      s(r['routing_key']),
    ],
  },
  consumers: {
    path: 'consumers',
    headers: ['queue', 'consumer_tag', 'channel', 'ack_required', 'prefetch'],
    row: (r) => [
      s((r['queue'] as Row)['name']),
      s(r['consumer_tag']),
      s((r['channel_details'] as Row)['name']),
      s(r['ack_required']),
      n(r['prefetch_count']),
    ],
  },
  connections: {
    path: 'connections',
    headers: ['name', 'user', 'vhost', 'channels', 'state'],
    row: (r) => [s(r['name']), s(r['user']), s(r['vhost']), n(r['channels']), s(r['state'])],
  },
};

export const listCommand: CliCommand = {
  name: 'list',
  summary: 'List queues, exchanges, bindings, consumers or connections',
  usage: [
    'Usage: warren list <queues|exchanges|bindings|consumers|connections> [--vhost V] [--json] [options]',
    '',
    'Options:',
    '  --vhost V          Only this vhost',
    '  --json             Print the management API objects as JSON',
    CONNECTION_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseOperatorArgs(argv);
    const kind = KINDS[positionals[0] ?? ''];
    if (kind === undefined) throw new UserError(`list what? one of: ${Object.keys(KINDS).join(', ')}`, 2);
    const scoped = values.vhost !== undefined && kind.path !== 'connections';
    const path = `/${kind.path}${scoped ? `/${vhostPath(values.vhost!)}` : ''}`;
    let rows = await new ManagementClient(values).get<Row[]>(path);
    if (values.vhost !== undefined && !scoped) rows = rows.filter((r) => r['vhost'] === values.vhost);
    printRows(io, values, rows, kind.headers, (r) => kind.row(r));
    return 0;
  },
};
