/**
 * Correct use of a typed client: this file must type-check. Its twin, misuse.ts, holds the
 * mistakes the typing must catch.
 */
import { defineContract, type FromSchema, type TypedClient } from '../../src/framework/index.js';
import { EmailSchema, LogLineSchema, StatsRequestSchema, StatsSchema } from './schemas.js';

/** A schema-derived contract: the same schemas validate at runtime. */
export const mailerContract = defineContract({
  tasks: { 'email.send': EmailSchema },
  rpcs: { 'mailer.stats': { request: StatsRequestSchema, response: StatsSchema } },
  events: { logs: LogLineSchema },
});

export type Email = FromSchema<typeof EmailSchema>;
export type Stats = FromSchema<typeof StatsSchema>;

/** The same contract written as an interface. */
export interface MailerContract {
  tasks: { 'email.send': Email };
  rpcs: { 'mailer.stats': { request: { since: number }; response: Stats } };
  events: { logs: { msg: string } };
}

export async function useSchemaContract(client: TypedClient<typeof mailerContract>): Promise<number> {
  await client.enqueue('email.send', { to: 'a@b.c', subject: 'hi', cc: ['d@e.f'], priority: 'high' });
  const stats = await client.call('mailer.stats', { since: 0 }, { timeout: 1000 });
  const lastError: string | null = stats.lastError;
  await client.publish('logs', 'kern.critical', { msg: lastError ?? 'disk full', level: 'critical' });
  return stats.sent + stats.failed;
}

export async function useInterfaceContract(client: TypedClient<MailerContract>): Promise<number> {
  const { messageId } = await client.enqueue('email.send', { to: 'a@b.c', subject: 'hi' });
  const stats = await client.call('mailer.stats', { since: messageId.length });
  await client.publish('logs', 'kern.critical', { msg: 'disk full' });
  return stats.sent;
}

/** Without a contract everything is accepted and responses are unknown. */
export async function useUntyped(client: TypedClient): Promise<unknown> {
  await client.enqueue('anything', { at: 'all' });
  return client.call('whatever', 42);
}
