/**
 * The management server's view of a job store (transports/http/jobs-provider.ts): the app
 * with `management`, and `warren broker --jobs`, hand it to the server, which cannot import
 * the framework itself.
 */
import type { Broker } from '../../broker/broker.js';
import { EmbeddedTransport } from '../../transports/embedded/embedded-transport.js';
import type { JobsProvider } from '../../transports/http/jobs-provider.js';
import { JOB_STATES, LIVE_STATES, type JobState } from './job-record.js';
import { JOBS_EXCHANGE } from './job-service.js';
import type { JobStore } from './job-store.js';

export interface JobsProviderOptions {
  /** How to cancel a job (the app's `job.cancel()`); absent: the dashboard cannot cancel. */
  cancel?: (id: string) => Promise<boolean>;
  /** Task names to list even before they have jobs (the app's tasks). */
  tasks?: readonly string[];
}

export function jobsProvider(store: JobStore, options: JobsProviderOptions = {}): JobsProvider {
  const { cancel, tasks = [] } = options;
  return {
    states: JOB_STATES,
    tasks: async () => [...new Set([...tasks, ...((await store.tasks?.()) ?? [])])],
    counts: (task) => store.counts(task),
    list: ({ task, state, offset, limit }) =>
      store.list({ task, state: state as JobState | undefined, offset, limit }),
    get: (id) => store.get(id),
    ...(cancel === undefined ? {} : { cancel }),
  };
}

/**
 * A cancel for a process that is not an app (`warren broker --jobs`): the conditional
 * transition in the store, then the `cancel` broadcast on the jobs exchange of `broker`'s
 * vhost, so the worker running the job aborts it (as `job.cancel()` does).
 */
export function cancelOnBroker(
  store: JobStore,
  broker: Broker,
  vhost = '/',
): (id: string) => Promise<boolean> {
  return async (id) => {
    const record = await store.update(id, { state: 'cancelled', finishedAt: Date.now() }, LIVE_STATES);
    if (record === undefined) return false;
    const transport = new EmbeddedTransport({ broker, vhost, connectionName: 'warren jobs (cancel)' });
    try {
      await transport.connect();
      const channel = await transport.createChannel();
      await channel.assertExchange(JOBS_EXCHANGE, 'topic', { durable: true });
      await channel.publish(JOBS_EXCHANGE, 'cancel', Buffer.from(id, 'utf8'), { persistent: false });
    } finally {
      await transport.close();
    }
    return true;
  };
}
