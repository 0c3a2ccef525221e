// The dashboard's Failed jobs page in Debian's chromium (playwright-core): dead letters that
// Warren's retry path wrote (their error shown), Retry on one sends it back to the task queue
// with attempts reset, Edit & retry sends a new payload, Delete all empties the dead-letter
// queue; the queue page's Get shows a message's headers. Screenshots to .artifacts/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import amqp from 'amqplib';
import { closeChromium, HAVE_CHROMIUM, launchChromium, SHOTS } from './chromium.js';
import { api, startStack } from './stack.js';

declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
};

/** A message as Warren's worker dead-letters it after its last attempt. */
function deadHeaders(error: string): Record<string, unknown> {
  return {
    'x-warren-attempt': 4,
    'x-warren-error-name': 'Error',
    'x-warren-error': error,
    'x-warren-dead-reason': 'retries-exhausted',
    'x-warren-first-failure': 1_700_000_000_000,
    'x-warren-last-failure': 1_700_000_060_000,
  };
}

test(
  'dashboard: failed jobs listed with their error, retried, edited and retried, deleted; Get shows headers',
  {
    skip: !HAVE_CHROMIUM,
    timeout: 60_000,
  },
  async () => {
    const s = await startStack();
    const conn = await amqp.connect(`amqp://admin:admin@127.0.0.1:${s.amqpPort}`);
    const browser = await launchChromium();
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue('mail.dead');
      await ch.assertQueue('mail', { deadLetterExchange: '', deadLetterRoutingKey: 'mail.dead' });
      for (const [id, error] of [
        ['m1', 'SMTP 550 mailbox unavailable'],
        ['m2', 'connect ETIMEDOUT'],
        ['m3', 'connect ETIMEDOUT'],
      ]) {
        ch.sendToQueue('mail.dead', Buffer.from(JSON.stringify({ to: `${id}@example.com` })), {
          messageId: id!,
          headers: deadHeaders(error!),
          persistent: true,
        });
      }
      const queue = (name: string) => s.broker.vhost('/')!.queues.get(name)!;
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.setDefaultTimeout(10_000);
      await page.goto(s.httpUrl);
      await page.fill('#login-user', 'admin');
      await page.fill('#login-password', 'admin');
      await page.click('button[type=submit]');
      await page.waitForSelector('#stat-ready');
      await page.click('a[data-page=dead]');
      await page.click('a[href="#/dead/%2F/mail"]');
      await page.waitForSelector('.dead-letter[data-id="m2"]');
      assert.equal(
        await page.textContent('.dead-letter[data-id="m1"] .dead-error'),
        'Error: SMTP 550 mailbox unavailable',
      );
      assert.match((await page.textContent('.dead-letter[data-id="m1"]')) ?? '', /x-warren-dead-reason/);
      await page.screenshot({ path: join(SHOTS, '10-failed-jobs.png'), fullPage: true });

      await page.click('.dead-letter[data-id="m2"] button[data-act=retry]');
      await page.waitForFunction(() => document.querySelectorAll('.dead-letter').length === 2);
      assert.equal(queue('mail').messageCount, 1);
      const [retried] = (
        await api(s, 'POST', '/queues/%2F/mail/get', { count: 1, ackmode: 'ack_requeue_true' })
      ).body as { properties: { message_id: string; headers?: Record<string, unknown> } }[];
      assert.equal(retried!.properties.message_id, 'm2');
      assert.equal(retried!.properties.headers?.['x-warren-attempt'], undefined, 'attempts reset');

      await page.click('.dead-letter[data-id="m1"] button[data-act=edit]');
      await page.fill('.dead-letter[data-id="m1"] textarea', '{"to":"fixed@example.com"}');
      await page.click('.dead-letter[data-id="m1"] form button[type=submit]');
      await page.waitForFunction(() => document.querySelectorAll('.dead-letter').length === 1);
      const both = (await api(s, 'POST', '/queues/%2F/mail/get', { count: 2, ackmode: 'ack_requeue_true' }))
        .body as { payload: string }[];
      assert.deepEqual(both.map((m) => m.payload).sort(), [
        '{"to":"fixed@example.com"}',
        '{"to":"m2@example.com"}',
      ]);

      await page.click('#dead-delete-all');
      await page.click('#modal-ok');
      await page.waitForSelector('#dead-empty');
      assert.equal(queue('mail.dead').messageCount, 0);

      await page.goto(`${s.httpUrl}/#/queues/%2F/mail`);
      await page.click('#form-get button[type=submit]');
      await page.waitForSelector('#get-results .message-props');
      assert.match((await page.textContent('#get-results')) ?? '', /message_id/);
      await page.screenshot({ path: join(SHOTS, '11-get-headers.png'), fullPage: true });
    } finally {
      await closeChromium(browser);
      await conn.close().catch(() => undefined);
      await s.close();
    }
  },
);
