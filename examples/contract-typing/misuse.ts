/**
 * Deliberate misuse of a typed client. Each line marked @ts-expect-error must be an error:
 * if the contract typing stops catching one, `tsc` fails on the unused directive.
 */
import type { TypedClient } from '../../src/framework/index.js';
import type { MailerContract, mailerContract } from './usage.js';

export async function misuseSchemaContract(client: TypedClient<typeof mailerContract>): Promise<void> {
  // @ts-expect-error: `to` must be a string
  await client.enqueue('email.send', { to: 42, subject: 'hi' });
  // @ts-expect-error: `subject` is required
  await client.enqueue('email.send', { to: 'a@b.c' });
  // @ts-expect-error: additionalProperties: false rejects unknown fields
  await client.enqueue('email.send', { to: 'a@b.c', subject: 'hi', bcc: 'x' });
  // @ts-expect-error: `priority` is an enum
  await client.enqueue('email.send', { to: 'a@b.c', subject: 'hi', priority: 'urgent' });
  // @ts-expect-error: unknown task name
  await client.enqueue('email.sned', { to: 'a@b.c', subject: 'hi' });
  // @ts-expect-error: unknown RPC name
  await client.call('mailer.statz', { since: 0 });
  // @ts-expect-error: `since` must be an integer (number)
  await client.call('mailer.stats', { since: 'yesterday' });
  const stats = await client.call('mailer.stats', { since: 0 });
  // @ts-expect-error: the response has no `total`
  console.log(stats.total);
  // @ts-expect-error: `lastError` may be null
  console.log(stats.lastError.length);
  // @ts-expect-error: unknown exchange
  await client.publish('metrics', 'cpu', { msg: 'x' });
  // @ts-expect-error: `level` is a const
  await client.publish('logs', 'kern.critical', { msg: 'x', level: 'info' });
}

export async function misuseInterfaceContract(client: TypedClient<MailerContract>): Promise<void> {
  // @ts-expect-error: wrong field type
  await client.enqueue('email.send', { to: 'a@b.c', subject: 7 });
  // @ts-expect-error: unknown task name
  await client.enqueue('sms.send', { to: 'a@b.c', subject: 'hi' });
  const stats = await client.call('mailer.stats', { since: 0 });
  // @ts-expect-error: `sent` is a number, not a string
  const sent: string = stats.sent;
  console.log(sent);
}
