/**
 * /api/dead-letters/{vhost}/{queue}: a task's failed jobs (the messages in `<queue>.dead`)
 * for the dashboard's Failed jobs page — list them with their error headers, re-drive them to
 * the task queue with attempts reset (one, some, all, those whose error matches; or one with
 * a new payload), delete them. Warren-only (RabbitMQ's API has no such resource). Runs as the
 * requesting user on an embedded connection, so AMQP permissions apply as for `warren dead`.
 */
import { AmqpError } from '../../protocol/errors.js';
import {
  DeadLetterSelectionError,
  deadQueueOf,
  discardDeadLetters,
  peekDeadLetters,
  redriveDeadLetters,
  type DeadLetterSelection,
} from '../dead-letters/index.js';
import { EmbeddedTransport } from '../embedded/embedded-transport.js';
import type { TransportChannel } from '../transport.js';
import { httpErrorFor } from './engine-session.js';
import { badRequest, notFound } from './http-util.js';
import { ok, type Call, type Route } from './route.js';
import { vhostOf } from './routes-resources.js';

/** Default and largest number of dead letters one list returns. */
const DEFAULT_LIST = 100;
const MAX_LIST = 10_000;

function session<T>(call: Call, fn: (ch: TransportChannel, queue: string) => Promise<T>): Promise<T> {
  return deadLetterSession(call, vhostOf(call).name, call.params['queue']!, fn);
}

/**
 * Runs `fn` on an embedded channel of the requesting user in `vhost` (which they may see),
 * once `queue`'s dead-letter queue is known to exist (404 otherwise).
 */
export async function deadLetterSession<T>(
  call: Call,
  vhost: string,
  queue: string,
  fn: (ch: TransportChannel, queue: string) => Promise<T>,
): Promise<T> {
  if (call.ctx.broker.vhost(vhost)?.queues.has(deadQueueOf(queue)) !== true) {
    throw notFound(`no queue '${deadQueueOf(queue)}' in vhost '${vhost}'`);
  }
  const transport = new EmbeddedTransport({
    broker: call.ctx.broker,
    vhost,
    user: call.principal.name,
    access: call.ctx.users,
    connectionName: `management (${call.principal.name})`,
    reconnect: false,
  });
  try {
    await transport.connect();
    return await fn(await transport.createChannel(), queue);
  } catch (e) {
    if (e instanceof AmqpError) throw httpErrorFor(e);
    if (e instanceof DeadLetterSelectionError) throw badRequest(e.message);
    throw e;
  } finally {
    await transport.close();
  }
}

function listDeadLetters(call: Call) {
  const raw = call.query.get('limit');
  const limit = raw === null ? DEFAULT_LIST : Number(raw);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIST) {
    throw badRequest(`limit must be an integer from 1 to ${MAX_LIST}`);
  }
  return session(call, async (ch, queue) => ok(await peekDeadLetters(ch, deadQueueOf(queue), limit)));
}

async function retryDeadLetters(call: Call) {
  const body = await call.body();
  const payload = body['payload'];
  if (payload !== undefined && typeof payload !== 'string') throw badRequest('payload must be a string');
  const contentType = body['content_type'];
  return session(call, async (ch, queue) =>
    ok(
      await redriveDeadLetters(ch, {
        deadQueue: deadQueueOf(queue),
        workQueue: queue,
        selection: selectionOf(body),
        ...(payload === undefined ? {} : { payload: Buffer.from(payload, 'utf8') }),
        ...(typeof contentType === 'string' ? { contentType } : {}),
      }),
    ),
  );
}

async function deleteDeadLetters(call: Call) {
  const selection = selectionOf(await call.body());
  return session(call, async (ch, queue) => ok(await discardDeadLetters(ch, deadQueueOf(queue), selection)));
}

/** { ids?: string[], all?: boolean, error?: regex source, reason?: string } */
function selectionOf(body: Record<string, unknown>): DeadLetterSelection {
  const { ids, all, error, reason } = body;
  const s: DeadLetterSelection = {};
  if (ids !== undefined) {
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) {
      throw badRequest('ids must be an array of strings');
    }
    s.ids = ids;
  }
  if (all !== undefined && typeof all !== 'boolean') throw badRequest('all must be a boolean');
  if (all === true) s.all = true;
  if (error !== undefined) {
    if (typeof error !== 'string') throw badRequest('error must be a string (a regular expression)');
    try {
      s.error = new RegExp(error);
    } catch (e) {
      throw badRequest(`error: ${(e as Error).message}`);
    }
  }
  if (reason !== undefined) {
    if (typeof reason !== 'string') throw badRequest('reason must be a string');
    s.reason = reason;
  }
  return s;
}

export const DEAD_LETTER_ROUTES: Route[] = [
  { method: 'GET', path: 'api/dead-letters/:vhost/:queue', handler: listDeadLetters },
  { method: 'POST', path: 'api/dead-letters/:vhost/:queue/retry', handler: retryDeadLetters },
  { method: 'POST', path: 'api/dead-letters/:vhost/:queue/delete', handler: deleteDeadLetters },
];
