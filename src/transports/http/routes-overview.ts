/**
 * /api/overview, /api/connections, /api/channels, /api/consumers (and closing a
 * connection with DELETE /api/connections/{name}). Connections and channels come from the
 * TCP server when the management server has one; an embedded-only broker has none.
 */
import type { Queue } from '../../broker/queue/queue.js';
import type { Consumer } from '../../broker/queue/consumer.js';
import type { Vhost } from '../../broker/vhost.js';
import type { ConnectionInfo } from '../tcp/connection-info.js';
import { tableToJson } from './field-json.js';
import { badRequest, notFound } from './http-util.js';
import { noContent, ok } from './route.js';
import type { Call, Route } from './route.js';
import { visibleVhosts } from './routes-resources.js';
import { OVERVIEW_KEY, collectCounters, statCounters } from './views.js';
import { MessageCounters } from '../../broker/stats/message-counters.js';

/**
 * The connections a caller may see: all of them for administrator and monitoring users, a
 * management user's own only (as RabbitMQ: other users' peers and client properties are not
 * theirs to read). Channels follow their connections.
 */
function connections(call: Call): ConnectionInfo[] {
  const all = call.ctx.server?.connectionInfos() ?? [];
  const { principal } = call;
  return all.filter(
    (c) =>
      c.engine !== undefined &&
      principal.canSeeVhost(c.vhost) &&
      (principal.seesAll || c.user === principal.name),
  );
}

function splitPeer(peer: string): { host: string; port: number } {
  const at = peer.lastIndexOf(':');
  return { host: peer.slice(0, at), port: Number(peer.slice(at + 1)) };
}

function connectionView(call: Call, c: ConnectionInfo): Record<string, unknown> {
  const peer = splitPeer(c.peer);
  const local = call.ctx.server?.address;
  return {
    name: c.peer,
    node: call.ctx.node,
    user: c.user,
    vhost: c.vhost,
    state: c.state,
    protocol: 'AMQP 0-9-1',
    peer_host: peer.host,
    peer_port: peer.port,
    host: local?.host ?? '',
    port: local?.port ?? 0,
    channels: c.engine?.channels.size ?? 0,
    connected_at: c.connectedAt,
    timeout: c.heartbeat,
    send_pend: c.bufferedBytes,
    client_properties: tableToJson(c.clientProperties),
  };
}

/** Every consumer of the visible vhosts with its queue. */
function consumersOf(vhosts: Vhost[]): Array<{ vhost: Vhost; queue: Queue; consumer: Consumer }> {
  const out = [];
  for (const vhost of vhosts)
    for (const queue of vhost.queues.values())
      for (const consumer of queue.consumers.all()) out.push({ vhost, queue, consumer });
  return out;
}

function channelRows(call: Call) {
  const consumers = consumersOf(visibleVhosts(call));
  const rows = [];
  for (const c of connections(call)) {
    for (const ch of c.engine!.channels.values()) {
      const mine = consumers.filter((x) => x.consumer.host === ch);
      rows.push({ c, ch, consumers: mine });
    }
  }
  return rows;
}

function listChannels(call: Call) {
  return ok(
    channelRows(call).map(({ c, ch, consumers }) => ({
      name: `${c.peer} (${ch.id})`,
      number: ch.id,
      node: call.ctx.node,
      user: c.user,
      vhost: c.vhost,
      state: ch.open ? 'running' : 'closing',
      consumer_count: consumers.length,
      messages_unacknowledged: ch.unackedCount,
      prefetch_count: consumers[0]?.consumer.prefetch ?? 0,
      connection_details: { name: c.peer, ...splitPeer(c.peer) },
    })),
  );
}

function listConsumers(call: Call) {
  const rows = channelRows(call);
  const channelOf = new Map<object, { name: string; number: number; conn: ConnectionInfo }>();
  for (const r of rows) channelOf.set(r.ch, { name: `${r.c.peer} (${r.ch.id})`, number: r.ch.id, conn: r.c });
  return ok(
    consumersOf(visibleVhosts(call)).map(({ vhost, queue, consumer }) => {
      const ch = channelOf.get(consumer.host);
      return {
        consumer_tag: consumer.tag,
        queue: { name: queue.name, vhost: vhost.name },
        ack_required: !consumer.noAck,
        exclusive: consumer.exclusive,
        prefetch_count: consumer.prefetch,
        priority: consumer.priority,
        arguments: tableToJson(consumer.args),
        active: queue.consumers.active === undefined || queue.consumers.active === consumer,
        activity_status: 'up',
        channel_details:
          ch === undefined
            ? { name: 'embedded', number: 0 }
            : { name: ch.name, number: ch.number, connection_name: ch.conn.peer, user: ch.conn.user },
      };
    }),
  );
}

function overview(call: Call) {
  const { ctx } = call;
  const vhosts = visibleVhosts(call);
  const totals = collectCounters(ctx.broker).get(OVERVIEW_KEY) ?? {};
  const conns = connections(call);
  const pick = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, totals[k] ?? 0]));
  const stats = statCounters(new MessageCounters());
  const address = ctx.server?.address;
  return ok({
    management_version: ctx.version,
    product_name: 'Warren',
    product_version: ctx.version,
    rabbitmq_version: ctx.version,
    cluster_name: ctx.node,
    node: ctx.node,
    message_stats: ctx.sampler.details(OVERVIEW_KEY, pick(Object.keys(stats))),
    queue_totals: ctx.sampler.details(
      OVERVIEW_KEY,
      pick(['messages', 'messages_ready', 'messages_unacknowledged']),
    ),
    object_totals: {
      connections: conns.length,
      channels: conns.reduce((n, c) => n + (c.engine?.channels.size ?? 0), 0),
      exchanges: vhosts.reduce((n, v) => n + v.exchanges.size, 0),
      queues: vhosts.reduce((n, v) => n + v.queues.size, 0),
      consumers: consumersOf(vhosts).length,
    },
    listeners: address === undefined ? [] : [{ node: ctx.node, protocol: 'amqp', ...address }],
    memory: process.memoryUsage.rss(),
    uptime: Math.round(process.uptime() * 1000),
  });
}

function closeConnection(call: Call) {
  const name = call.params['name']!;
  const c = connections(call).find((x) => x.peer === name);
  if (c === undefined || call.ctx.server === undefined) throw notFound();
  if (!call.principal.isAdmin && c.user !== call.principal.name) throw notFound();
  call.ctx.server.closeConnection(name, call.req.headers['x-reason']?.toString() ?? 'closed by operator');
  return noContent();
}

/** Rate fields of the history points (per second between consecutive samples). */
const HISTORY_RATES = ['publish', 'deliver_get', 'ack'];

/**
 * GET /api/overview/history?age=3600&points=300 (Warren only): the broker-wide queue depths
 * and message rates kept server-side for the dashboard's charts (up to an hour), so a chart
 * opened now shows the past hour, thinned to at most `points` points.
 */
function overviewHistory(call: Call) {
  const age = numberParam(call, 'age', 3600, 1, 3600);
  const points = numberParam(call, 'points', 360, 2, 3600);
  const kept = call.ctx.sampler.historySince(OVERVIEW_KEY, age * 1000);
  const stride = Math.max(1, Math.ceil(kept.length / points));
  const out = [];
  for (let i = kept.length - 1; i >= 0; i -= stride) {
    const b = kept[i]!;
    const a = kept[Math.max(0, i - stride)]!;
    const seconds = (b.t - a.t) / 1000;
    const point: Record<string, number> = {
      t: b.t,
      messages: b.values['messages'] ?? 0,
      messages_ready: b.values['messages_ready'] ?? 0,
      messages_unacknowledged: b.values['messages_unacknowledged'] ?? 0,
    };
    for (const f of HISTORY_RATES) {
      const delta = (b.values[f] ?? 0) - (a.values[f] ?? 0);
      point[`${f}_rate`] = seconds > 0 ? Math.round((delta / seconds) * 10) / 10 : 0;
    }
    out.push(point);
  }
  return ok({ interval_age: age, samples: out.reverse() });
}

/** An integer query parameter in [min, max] (400 otherwise), `fallback` when absent. */
export function numberParam(call: Call, name: string, fallback: number, min: number, max: number): number {
  const raw = call.query.get(name);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw badRequest(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

export const OVERVIEW_ROUTES: Route[] = [
  { method: 'GET', path: 'api/overview', handler: overview },
  { method: 'GET', path: 'api/overview/history', handler: overviewHistory },
  {
    method: 'GET',
    path: 'api/connections',
    handler: (call) => ok(connections(call).map((c) => connectionView(call, c))),
  },
  {
    method: 'GET',
    path: 'api/connections/:name',
    handler: (call) => {
      const c = connections(call).find((x) => x.peer === call.params['name']);
      if (c === undefined) throw notFound();
      return ok(connectionView(call, c));
    },
  },
  { method: 'DELETE', path: 'api/connections/:name', handler: closeConnection },
  { method: 'GET', path: 'api/channels', handler: listChannels },
  { method: 'GET', path: 'api/consumers', handler: listConsumers },
  { method: 'GET', path: 'api/consumers/:vhost', handler: listConsumers },
];
