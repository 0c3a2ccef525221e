/**
 * /api/queues, /api/exchanges, /api/bindings: listing (filtered to the vhosts the user may
 * see) and the actions RabbitMQ's API offers on them: declare (PUT), delete, purge
 * (DELETE .../contents), get, publish, bind and unbind. Actions run through engine-session
 * so AMQP permissions and validation apply.
 */
import type { Vhost } from '../../broker/vhost.js';
import { requireVhost } from './auth.js';
import { withChannel } from './engine-session.js';
import { jsonToTable } from './field-json.js';
import { badRequest, boolField, notFound } from './http-util.js';
import { getResultJson, payloadFromJson, propertiesFromJson } from './message-json.js';
import { paginate } from './pagination.js';
import { created, noContent, ok } from './route.js';
import type { Call, Route } from './route.js';
import { addQueueHistory } from './history-details.js';
import { bindingsOf, exchangeView, propertiesKey, queueKey, queueView } from './views.js';

/** The vhosts a call lists: one (checked) or all the user may see. */
export function visibleVhosts(call: Call): Vhost[] {
  const { broker } = call.ctx;
  const name = call.params['vhost'];
  if (name !== undefined) return [vhostOf(call)];
  return broker
    .vhostNames()
    .filter((v) => call.principal.canSeeVhost(v))
    .map((v) => broker.vhost(v)!);
}

export function vhostOf(call: Call): Vhost {
  const name = call.params['vhost']!;
  const v = call.ctx.broker.vhost(name);
  if (v === undefined) throw notFound(`vhost '${name}' not found`);
  requireVhost(call.principal, name);
  return v;
}

function session<T>(call: Call, fn: Parameters<typeof withChannel<T>>[4]): T {
  const v = vhostOf(call);
  return withChannel(call.ctx.broker, call.ctx.users, call.principal.name, v.name, fn);
}

const listQueues = (call: Call) =>
  ok(
    paginate(
      call.query,
      visibleVhosts(call).flatMap((v) =>
        [...v.queues.values()].map((q) => ({ name: q.name, vhost: v.name, v, q })),
      ),
      ({ v, q }) => queueView(v, q, call.ctx.sampler),
    ),
  );

function getQueue(call: Call) {
  const v = vhostOf(call);
  const q = v.queues.get(call.params['name']!);
  if (q === undefined) throw notFound();
  const view = queueView(v, q, call.ctx.sampler);
  addQueueHistory(view, queueKey(v.name, q.name), call.query, call.ctx.sampler);
  return ok(view);
}

async function putQueue(call: Call) {
  const body = await call.body();
  const name = call.params['name']!;
  const existed = vhostOf(call).queues.has(name);
  session(call, (ch) =>
    ch.queueDeclare({
      queue: name,
      durable: boolField(body, 'durable', true),
      autoDelete: boolField(body, 'auto_delete', false),
      arguments: jsonToTable(body['arguments']),
    }),
  );
  return existed ? noContent() : created();
}

function deleteQueue(call: Call) {
  if (!vhostOf(call).queues.has(call.params['name']!)) throw notFound();
  session(call, (ch) =>
    ch.queueDelete({
      queue: call.params['name']!,
      ifUnused: call.query.get('if-unused') === 'true',
      ifEmpty: call.query.get('if-empty') === 'true',
    }),
  );
  return noContent();
}

function purgeQueue(call: Call) {
  session(call, (ch) => ch.queuePurge(call.params['name']!));
  return noContent();
}

async function getMessages(call: Call) {
  const body = await call.body();
  const count = typeof body['count'] === 'number' ? body['count'] : 1;
  const ackmode = typeof body['ackmode'] === 'string' ? body['ackmode'] : 'ack_requeue_true';
  const encoding = body['encoding'] === 'base64' ? 'base64' : 'auto';
  const truncate = typeof body['truncate'] === 'number' ? body['truncate'] : undefined;
  if (!/^(ack|reject)_requeue_(true|false)$/.test(ackmode)) throw badRequest(`bad ackmode '${ackmode}'`);
  const requeue = ackmode.endsWith('true');
  // Persistent messages of durable queues are handed out once synced: wait for what was
  // published before this call, so a publish-then-get sees its message.
  await call.ctx.broker.store.sync?.();
  const messages = session(call, (ch) => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const r = ch.basicGet(call.params['name']!, false);
      if (r === null) break;
      out.push(getResultJson(r, encoding, truncate));
      if (!requeue) {
        if (ackmode.startsWith('ack')) ch.basicAck(r.deliveryTag, false);
        else ch.basicReject(r.deliveryTag, false);
      }
    }
    return out;
  });
  return ok(messages);
}

const listExchanges = (call: Call) =>
  ok(visibleVhosts(call).flatMap((v) => [...v.exchanges.values()].map((x) => exchangeView(v, x))));

/** RabbitMQ's API names the default exchange `amq.default` in paths (its name is ''). */
const exchangeName = (call: Call): string =>
  call.params['name'] === 'amq.default' ? '' : call.params['name']!;

function getExchange(call: Call) {
  const v = vhostOf(call);
  const x = v.exchanges.get(exchangeName(call));
  if (x === undefined) throw notFound();
  return ok(exchangeView(v, x));
}

async function putExchange(call: Call) {
  const body = await call.body();
  const name = call.params['name']!;
  const existed = vhostOf(call).exchanges.has(name);
  session(call, (ch) =>
    ch.exchangeDeclare({
      exchange: name,
      type: typeof body['type'] === 'string' ? body['type'] : 'direct',
      durable: boolField(body, 'durable', true),
      autoDelete: boolField(body, 'auto_delete', false),
      internal: boolField(body, 'internal', false),
      arguments: jsonToTable(body['arguments']),
    }),
  );
  return existed ? noContent() : created();
}

function deleteExchange(call: Call) {
  if (!vhostOf(call).exchanges.has(call.params['name']!)) throw notFound();
  session(call, (ch) =>
    ch.exchangeDelete({ exchange: call.params['name']!, ifUnused: call.query.get('if-unused') === 'true' }),
  );
  return noContent();
}

async function publish(call: Call) {
  const body = await call.body();
  const properties = propertiesFromJson(body['properties']);
  const payload = payloadFromJson(body);
  const rk = typeof body['routing_key'] === 'string' ? body['routing_key'] : '';
  const routed = session(call, (ch, sink) => {
    ch.basicPublish(exchangeName(call), rk, true, false, properties, payload);
    return sink.returned.length === 0;
  });
  return ok({ routed });
}

function listBindings(call: Call) {
  const all = visibleVhosts(call).flatMap((v) => bindingsOf(v));
  const { source, dest, kind } = call.params;
  if (source === undefined) return ok(all);
  const type = kind === 'q' ? 'queue' : 'exchange';
  return ok(all.filter((b) => b.source === source && b.destination === dest && b.destination_type === type));
}

function queueBindings(call: Call) {
  const name = call.params['name']!;
  return ok(
    bindingsOf(vhostOf(call)).filter((b) => b.destination_type === 'queue' && b.destination === name),
  );
}

function bindingParams(call: Call): { source: string; dest: string; kind: 'q' | 'e'; props: string } {
  const { source = '', dest = '', kind, props = '' } = call.params;
  if (kind !== 'q' && kind !== 'e') throw notFound();
  return { source, dest, kind, props };
}

async function addBinding(call: Call) {
  const body = await call.body();
  const { source, dest, kind } = bindingParams(call);
  const routingKey = typeof body['routing_key'] === 'string' ? body['routing_key'] : '';
  const args = jsonToTable(body['arguments']);
  session(call, (ch) => {
    if (kind === 'q') ch.queueBind({ queue: dest, exchange: source, routingKey, arguments: args });
    else ch.exchangeBind({ destination: dest, source, routingKey, arguments: args });
  });
  return { status: 201, headers: { location: encodeURIComponent(propertiesKey(routingKey, args)) } };
}

function deleteBinding(call: Call) {
  const { source, dest, kind, props } = bindingParams(call);
  const type = kind === 'q' ? 'queue' : 'exchange';
  const b = bindingsOf(vhostOf(call)).find(
    (x) =>
      x.source === source &&
      x.destination === dest &&
      x.destination_type === type &&
      x.properties_key === props,
  );
  if (b === undefined) throw notFound();
  const args = jsonToTable(b.arguments);
  session(call, (ch) => {
    if (kind === 'q')
      ch.queueUnbind({ queue: dest, exchange: source, routingKey: b.routing_key, arguments: args });
    else ch.exchangeUnbind({ destination: dest, source, routingKey: b.routing_key, arguments: args });
  });
  return noContent();
}

export const RESOURCE_ROUTES: Route[] = [
  { method: 'GET', path: 'api/queues', handler: listQueues },
  { method: 'GET', path: 'api/queues/:vhost', handler: listQueues },
  { method: 'GET', path: 'api/queues/:vhost/:name', handler: getQueue },
  { method: 'PUT', path: 'api/queues/:vhost/:name', handler: putQueue },
  { method: 'DELETE', path: 'api/queues/:vhost/:name', handler: deleteQueue },
  { method: 'DELETE', path: 'api/queues/:vhost/:name/contents', handler: purgeQueue },
  { method: 'POST', path: 'api/queues/:vhost/:name/get', handler: getMessages },
  { method: 'GET', path: 'api/queues/:vhost/:name/bindings', handler: queueBindings },
  { method: 'GET', path: 'api/exchanges', handler: listExchanges },
  { method: 'GET', path: 'api/exchanges/:vhost', handler: listExchanges },
  { method: 'GET', path: 'api/exchanges/:vhost/:name', handler: getExchange },
  { method: 'PUT', path: 'api/exchanges/:vhost/:name', handler: putExchange },
  { method: 'DELETE', path: 'api/exchanges/:vhost/:name', handler: deleteExchange },
  { method: 'POST', path: 'api/exchanges/:vhost/:name/publish', handler: publish },
  { method: 'GET', path: 'api/bindings', handler: listBindings },
  { method: 'GET', path: 'api/bindings/:vhost', handler: listBindings },
  { method: 'GET', path: 'api/bindings/:vhost/e/:source/:kind/:dest', handler: listBindings },
  { method: 'POST', path: 'api/bindings/:vhost/e/:source/:kind/:dest', handler: addBinding },
  { method: 'DELETE', path: 'api/bindings/:vhost/e/:source/:kind/:dest/:props', handler: deleteBinding },
];
