/**
 * GET /metrics: the broker in Prometheus text format (0.0.4). Per-queue depth (ready,
 * unacked), consumers and publish / deliver / ack counters (rates are derivable with
 * rate()), per-vhost publishes, connections, channels, process memory and, for a
 * persistent broker, the store's size when it reports one. Extra text (the framework's
 * registry of an embedded app) is appended as is.
 */
import type { Broker } from '../../broker/broker.js';
import type { AmqpServer } from '../tcp/server.js';

const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

class Writer {
  private readonly lines: string[] = [];
  metric(
    name: string,
    type: 'gauge' | 'counter',
    help: string,
    rows: Array<[Record<string, string>, number]>,
  ) {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of rows) {
      const l = Object.entries(labels)
        .map(([k, v]) => `${k}="${esc(v)}"`)
        .join(',');
      this.lines.push(`${name}${l === '' ? '' : `{${l}}`} ${value}`);
    }
  }
  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

export function brokerMetrics(broker: Broker, server: AmqpServer | undefined): string {
  const w = new Writer();
  const queues = broker.vhostNames().flatMap((vn) => {
    const v = broker.vhost(vn)!;
    return [...v.queues.values()].map((q) => ({ labels: { vhost: vn, queue: q.name }, q }));
  });
  const per = (f: (q: (typeof queues)[number]['q']) => number) =>
    queues.map(({ labels, q }): [Record<string, string>, number] => [labels, f(q)]);
  w.metric(
    'warren_queue_messages_ready',
    'gauge',
    'Messages ready for delivery',
    per((q) => q.messageCount),
  );
  w.metric(
    'warren_queue_messages_unacked',
    'gauge',
    'Messages delivered, not yet acknowledged',
    per((q) => q.unackedCount),
  );
  w.metric(
    'warren_queue_messages_ready_bytes',
    'gauge',
    'Bytes of ready message bodies',
    per((q) => q.messageBytes),
  );
  w.metric(
    'warren_queue_consumers',
    'gauge',
    'Consumers',
    per((q) => q.consumerCount),
  );
  w.metric(
    'warren_queue_messages_published_total',
    'counter',
    'Messages enqueued',
    per((q) => q.stats.publish),
  );
  w.metric(
    'warren_queue_messages_delivered_total',
    'counter',
    'Deliveries (consume and get, ack and no-ack)',
    per((q) => q.stats.deliverGet),
  );
  w.metric(
    'warren_queue_messages_redelivered_total',
    'counter',
    'Redeliveries',
    per((q) => q.stats.redeliver),
  );
  w.metric(
    'warren_queue_messages_acked_total',
    'counter',
    'Acknowledgements',
    per((q) => q.stats.ack),
  );
  w.metric(
    'warren_vhost_messages_published_total',
    'counter',
    'basic.publish calls per vhost',
    broker.vhostNames().map((vn) => [{ vhost: vn }, broker.vhost(vn)!.monitor.counters.publish]),
  );
  const conns = server?.connectionInfos().filter((c) => c.engine !== undefined) ?? [];
  w.metric('warren_connections', 'gauge', 'Open AMQP connections', [[{}, conns.length]]);
  w.metric('warren_channels', 'gauge', 'Open AMQP channels', [
    [{}, conns.reduce((n, c) => n + (c.engine?.channels.size ?? 0), 0)],
  ]);
  const mem = process.memoryUsage();
  w.metric('warren_process_resident_memory_bytes', 'gauge', 'Resident set size', [[{}, mem.rss]]);
  w.metric('warren_process_heap_used_bytes', 'gauge', 'V8 heap in use', [[{}, mem.heapUsed]]);
  const size = storeSize(broker);
  if (size !== undefined) w.metric('warren_store_bytes', 'gauge', 'Message store size on disk', [[{}, size]]);
  return w.toString();
}

function storeSize(broker: Broker): number | undefined {
  const s = (broker.store as unknown as { sizeBytes?: unknown }).sizeBytes;
  if (typeof s === 'number') return s;
  if (typeof s === 'function') {
    const v: unknown = (s as () => unknown).call(broker.store);
    return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}
