/**
 * /api/jobs: the job store's view of tasks for the dashboard's Jobs page, through the
 * JobsProvider the server was given (404 without one). Reading needs any management user;
 * cancelling needs an administrator (jobs are not scoped to a vhost); retrying a failed job
 * re-drives its dead letter (`<queue>.dead`, queue = task unless given) as the requesting
 * user, so AMQP permissions apply as on the Failed jobs page.
 */
import { requireAdmin, requireVhost } from './auth.js';
import { deadQueueOf, redriveDeadLetters } from '../dead-letters/index.js';
import { badRequest, HttpError, notFound } from './http-util.js';
import type { JobInfo, JobsProvider } from './jobs-provider.js';
import { MAX_PAGE_SIZE } from './pagination.js';
import { deadLetterSession } from './routes-dead-letters.js';
import { numberParam } from './routes-overview.js';
import { ok, type Call, type Route } from './route.js';

const DEFAULT_PAGE_SIZE = 20;

function providerOf(call: Call): JobsProvider {
  const jobs = call.ctx.jobs;
  if (jobs === undefined)
    throw notFound('no job store: start the app with management, or warren broker with --jobs');
  return jobs;
}

/** The task's job `id` (404 when unknown or of another task). */
async function jobOf(call: Call): Promise<JobInfo> {
  const id = call.params['id']!;
  const job = await providerOf(call).get(id);
  if (job === undefined || job.task !== call.params['task']) throw notFound(`no job '${id}'`);
  return job;
}

/** Every task with its counts per state. */
async function listTasks(call: Call) {
  const jobs = providerOf(call);
  const names = (await jobs.tasks()).sort();
  const tasks = await Promise.all(names.map(async (name) => ({ name, counts: await jobs.counts(name) })));
  return ok({ states: jobs.states, can_cancel: jobs.cancel !== undefined, tasks });
}

/** One page of a task's jobs (newest first), with its counts per state. */
async function listJobs(call: Call) {
  const jobs = providerOf(call);
  const task = call.params['task']!;
  const state = call.query.get('state') ?? undefined;
  if (state !== undefined && !jobs.states.includes(state))
    throw badRequest(`state must be one of ${jobs.states.join(', ')}`);
  const page = numberParam(call, 'page', 1, 1, Number.MAX_SAFE_INTEGER);
  const pageSize = numberParam(call, 'page_size', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const counts = await jobs.counts(task);
  const total =
    state === undefined ? Object.values(counts).reduce<number>((a, n) => a + (n ?? 0), 0) : counts[state];
  const items = await jobs.list({ task, state, offset: (page - 1) * pageSize, limit: pageSize });
  return ok({
    task,
    state: state ?? null,
    counts,
    items,
    page,
    page_size: pageSize,
    item_count: items.length,
    total_count: total ?? 0,
    page_count: Math.max(1, Math.ceil((total ?? 0) / pageSize)),
  });
}

async function cancelJob(call: Call) {
  requireAdmin(call.principal);
  const jobs = providerOf(call);
  if (jobs.cancel === undefined) throw badRequest('this job store cannot cancel jobs here');
  const job = await jobOf(call);
  if (!(await jobs.cancel(job.id)))
    throw new HttpError(409, 'conflict', `job '${job.id}' is ${job.state}: only live jobs can be cancelled`);
  return ok(await jobs.get(job.id));
}

/** { vhost?: string (default "/"), queue?: string (default the task) } */
async function retryJob(call: Call) {
  const job = await jobOf(call);
  if (job.state !== 'failed' && job.state !== 'dead')
    throw new HttpError(
      409,
      'conflict',
      `job '${job.id}' is ${job.state}: only failed or dead jobs are retried`,
    );
  const body = await call.body();
  const vhost = stringField(body, 'vhost') ?? '/';
  const queue = stringField(body, 'queue') ?? job.task;
  requireVhost(call.principal, vhost);
  const outcome = await deadLetterSession(call, vhost, queue, (ch, q) =>
    redriveDeadLetters(ch, { deadQueue: deadQueueOf(q), workQueue: q, selection: { ids: [job.id] } }),
  );
  return ok(outcome); // a job missing from the dead-letter queue is a 400 (DeadLetterSelectionError)
}

function stringField(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw badRequest(`${key} must be a non-empty string`);
  return v;
}

export const JOB_ROUTES: Route[] = [
  { method: 'GET', path: 'api/jobs', handler: listTasks },
  { method: 'GET', path: 'api/jobs/:task', handler: listJobs },
  { method: 'GET', path: 'api/jobs/:task/:id', handler: async (call) => ok(await jobOf(call)) },
  { method: 'POST', path: 'api/jobs/:task/:id/cancel', handler: cancelJob },
  { method: 'POST', path: 'api/jobs/:task/:id/retry', handler: retryJob },
];
