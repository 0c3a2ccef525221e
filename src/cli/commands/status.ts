/**
 * `warren status`: the broker's overview through the management API (node, version,
 * object counts, queued messages and rates), like `rabbitmqctl status` trimmed down.
 */
import type { CliCommand } from '../command.js';
import { CONNECTION_HELP, ManagementClient, parseOperatorArgs } from '../management-client.js';

interface Overview {
  node: string;
  product_version: string;
  object_totals: Record<string, number>;
  queue_totals: Record<string, number>;
  message_stats: Record<string, number | { rate: number }>;
  listeners: Array<{ protocol: string; host: string; port: number }>;
  memory: number;
  uptime: number;
}

const rate = (o: Overview['message_stats'], k: string): number => {
  const d = o[`${k}_details`];
  return typeof d === 'object' ? d.rate : 0;
};

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'Show the broker status (management API)',
  usage: [
    'Usage: warren status [--json] [options]',
    '',
    'Options:',
    '  --json             Print the raw overview',
    CONNECTION_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseOperatorArgs(argv);
    const o = await new ManagementClient(values).get<Overview>('/overview');
    if (values.json === true) {
      io.out(JSON.stringify(o, null, 2));
      return 0;
    }
    const t = o.object_totals;
    const q = o.queue_totals;
    io.out(`Node:        ${o.node} (Warren ${o.product_version})`);
    io.out(`Uptime:      ${Math.round(o.uptime / 1000)} s, memory ${Math.round(o.memory / 1048576)} MiB`);
    for (const l of o.listeners) io.out(`Listener:    ${l.protocol} ${l.host}:${l.port}`);
    io.out(
      `Objects:     ${t['connections']} connections, ${t['channels']} channels, ${t['queues']} queues, ${t['exchanges']} exchanges, ${t['consumers']} consumers`,
    );
    io.out(
      `Messages:    ${q['messages']} total, ${q['messages_ready']} ready, ${q['messages_unacknowledged']} unacked`,
    );
    const m = o.message_stats;
    io.out(
      `Rates:       publish ${rate(m, 'publish')}/s, deliver ${rate(m, 'deliver_get')}/s, ack ${rate(m, 'ack')}/s`,
    );
    return 0;
  },
};
