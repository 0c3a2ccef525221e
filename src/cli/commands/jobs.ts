/**
 * `warren jobs <task>`: a task's jobs from the job store, newest first, optionally in one
 * state, with the count per state. Reads a PostgreSQL or Redis store (--store or $WARREN_JOBS_STORE) or
 * the file store in a persistent broker's data dir (--data-dir, read only: safe while the app
 * that owns it runs).
 */
import type { JobRecord, JobState, JobStore } from '../../framework/index.js';
import { JOB_STATES } from '../../framework/index.js';
import { openJobStoreArg } from '../job-store-arg.js';
import type { CliCommand } from '../command.js';
import { UserError } from '../command.js';
import { parseArgs } from 'node:util';
import { renderTable } from '../management-client.js';

const usage = `Usage: warren jobs <task> [options]

Lists a task's jobs, newest first: id, state, attempts, last update, and the result or error.

Options:
  --state <state>     Only jobs in this state (${JOB_STATES.join(', ')})
  --limit <n>         At most n jobs (default 20)
  --store <url>       Job store database (postgres://… or redis://…; default: $WARREN_JOBS_STORE)
  --table <name>      Its PostgreSQL table (default warren_jobs)
  --prefix <prefix>   Its Redis key prefix (default warren:{jobs}:)
  --data-dir <dir>    The file job store of an app started with this dataDir
  --json              Print the job records as JSON

Example:
  warren jobs email.send --state failed --store postgres://localhost/app`;

export const jobsCommand: CliCommand = {
  name: 'jobs',
  summary: "List a task's jobs by state from the job store",
  usage,
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        state: { type: 'string' },
        limit: { type: 'string' },
        store: { type: 'string' },
        table: { type: 'string' },
        prefix: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const [task, ...extra] = positionals;
    if (task === undefined || extra.length > 0) throw new UserError(`expected <task>\n${usage}`, 2);
    const state = values.state as JobState | undefined;
    if (state !== undefined && !JOB_STATES.includes(state))
      throw new UserError(`unknown state '${state}' (one of ${JOB_STATES.join(', ')})`, 2);
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit wants a positive integer`, 2);
    const url = values.store ?? process.env['WARREN_JOBS_STORE'];
    const store = await openStore(url, values.table, values.prefix, values['data-dir']);
    try {
      const [jobs, counts] = await Promise.all([store.list({ task, state, limit }), store.counts(task)]);
      if (values.json === true) {
        io.out(JSON.stringify(jobs, null, 2));
        return 0;
      }
      const summary = JOB_STATES.map((s) => `${s} ${counts[s] ?? 0}`).join(', ');
      io.out(`${task}: ${summary}`);
      const rows = jobs.map(row);
      for (const line of renderTable(['id', 'state', 'attempts', 'updated', 'outcome'], rows)) io.out(line);
      return 0;
    } finally {
      await store.close();
    }
  },
};

async function openStore(
  url: string | undefined,
  table: string | undefined,
  prefix: string | undefined,
  dataDir: string | undefined,
): Promise<JobStore> {
  const spec = url !== undefined && url !== '' ? url : dataDir;
  if (spec === undefined)
    throw new UserError(
      'no job store: pass --store postgres://… or redis://… (or set WARREN_JOBS_STORE) or --data-dir <dir>',
      2,
    );
  return (await openJobStoreArg(spec, { table, prefix, maxConnections: 1 })).store;
}

function row(r: JobRecord): string[] {
  const outcome = r.error
    ? `${r.error.name}: ${r.error.message}`
    : r.result === undefined
      ? ''
      : JSON.stringify(r.result);
  return [r.id, r.state, String(r.attempts), new Date(r.updatedAt).toISOString(), outcome.slice(0, 80)];
}
