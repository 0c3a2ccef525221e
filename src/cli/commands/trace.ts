/**
 * `warren trace <vhost>`: turns the firehose on for a vhost (PUT /api/vhosts/{v}
 * {"tracing": true}), then watches it live over AMQP: an exclusive queue bound to
 * amq.rabbitmq.trace with "#" prints one line per publish and delivery until Ctrl-C, when
 * tracing is turned off again. `--off` only turns it off.
 */
import { AmqpTransport } from '../../transports/amqp/index.js';
import type { CliCommand } from '../command.js';
import {
  CONNECTION_HELP,
  ManagementClient,
  managementPassword,
  parseOperatorArgs,
  vhostPath,
  type OperatorValues,
} from '../management-client.js';

function amqpUrl(values: OperatorValues, vhost: string): string {
  const url = new URL(values.url ?? process.env['WARREN_URL'] ?? 'amqp://127.0.0.1:5672');
  url.username = encodeURIComponent(values.user ?? process.env['WARREN_MGMT_USER'] ?? 'guest');
  url.password = encodeURIComponent(managementPassword(values));
  url.pathname = `/${encodeURIComponent(vhost)}`;
  return url.toString();
}

export const traceCommand: CliCommand = {
  name: 'trace',
  summary: 'Watch the firehose of a vhost live (publishes and deliveries)',
  usage: [
    'Usage: warren trace [VHOST] [--url URL] [--off] [options]',
    '',
    'Options:',
    '  --url URL          AMQP broker to watch from (default $WARREN_URL or amqp://127.0.0.1:5672)',
    '  --off              Turn tracing off and exit',
    CONNECTION_HELP,
  ].join('\n'),
  async run(argv, io) {
    const off = argv.includes('--off');
    const { values, positionals } = parseOperatorArgs(argv.filter((a) => a !== '--off'));
    const vhost = positionals[0] ?? '/';
    const api = new ManagementClient(values, true);
    const path = `/vhosts/${vhostPath(vhost)}`;
    if (off) {
      await api.request('PUT', path, { tracing: false });
      io.out(`tracing off for vhost '${vhost}'`);
      return 0;
    }
    await api.request('PUT', path, { tracing: true });
    const transport = new AmqpTransport(amqpUrl(values, vhost), { reconnect: false, delayedExchange: false });
    await transport.connect();
    try {
      const ch = await transport.createChannel({ confirms: false });
      const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
      await ch.bindQueue(queue, 'amq.rabbitmq.trace', '#');
      io.out(`tracing vhost '${vhost}' (Ctrl-C to stop)`);
      await ch.consume(
        queue,
        (m) => {
          const h = m.properties.headers ?? {};
          const keys = Array.isArray(h['routing_keys']) ? (h['routing_keys'] as unknown[]).join(',') : '';
          const exchange = typeof h['exchange_name'] === 'string' ? h['exchange_name'] : '';
          const user = typeof h['user'] === 'string' ? h['user'] : '';
          io.out(
            `${m.fields.routingKey}  exchange='${exchange}' routing_keys=${keys} user=${user} bytes=${m.body.length}`,
          );
        },
        { noAck: true },
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
        transport.on('disconnect', () => resolve());
      });
    } finally {
      await transport.close();
      await api.request('PUT', path, { tracing: false }).catch(() => undefined);
    }
    return 0;
  },
};
