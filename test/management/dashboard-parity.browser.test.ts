// The dashboard's operator pages in Debian's chromium (playwright-core), as an operator uses
// them: vhosts added and picked in the selector, queues and exchanges created and deleted,
// a message published through the default exchange, a binding added and removed, a
// connection closed, channels listed, a user added and given permissions, a policy added
// (in effect on a queue, shown on its page), refused with RabbitMQ's reason and deleted, an unknown route
// shown as not found, and the whole thing usable at 420 px wide. Screenshots go to
// .artifacts/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import amqp from 'amqplib';
import type { Page } from 'playwright-core';
import { closeChromium, HAVE_CHROMIUM, launchChromium, SHOTS } from './chromium.js';
import { startStack } from './stack.js';

declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  documentElement: { scrollWidth: number; clientWidth: number };
};

async function submit(page: Page, form: string, fields: Record<string, string>): Promise<void> {
  for (const [name, value] of Object.entries(fields)) {
    const el = page.locator(`#${form} [name=${name}]`);
    if ((await el.evaluate((e) => (e as unknown as { tagName: string }).tagName)) === 'SELECT')
      await el.selectOption(value);
    else await el.fill(value);
  }
  await page.click(`#${form} button[type=submit]`);
}

async function until(what: string, condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test(
  'dashboard parity: vhosts, queues, exchanges, publish, bindings, connections, channels, users, permissions, not found, 420 px',
  {
    skip: !HAVE_CHROMIUM,
    timeout: 90_000,
  },
  async () => {
    const s = await startStack();
    const conn = await amqp.connect(`amqp://admin:admin@127.0.0.1:${s.amqpPort}`);
    let connClosed = false;
    conn.on('error', () => undefined);
    conn.on('close', () => (connClosed = true));
    const browser = await launchChromium();
    try {
      await conn.createChannel();
      const root = () => s.broker.vhost('/')!;
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.setDefaultTimeout(10_000);
      await page.goto(s.httpUrl);
      await page.fill('#login-user', 'admin');
      await page.fill('#login-password', 'admin');
      await page.click('button[type=submit]');
      await page.waitForSelector('#stat-ready');

      await page.click('a[data-page=vhosts]');
      await submit(page, 'form-add-vhost', { name: 'dash' });
      await until('vhost dash', () => s.broker.vhost('dash') !== undefined);
      await page.waitForSelector('#vhost-select option[value="dash"]', { state: 'attached' });

      await page.click('a[data-page=queues]');
      await submit(page, 'form-add-queue', { name: 'made-in-ui' });
      await until('queue', () => root().queues.has('made-in-ui'));
      await submit(page, 'form-add-queue', { name: 'doomed' });
      await page.click('button[data-action=delete-queue][data-name=doomed]');
      await until('queue deleted', () => !root().queues.has('doomed') && root().queues.has('made-in-ui'));

      await page.click('a[data-page=exchanges]');
      await submit(page, 'form-add-exchange', { name: 'ui-x', type: 'topic' });
      await until('exchange', () => root().exchanges.get('ui-x')?.type === 'topic');
      await submit(page, 'form-publish-any', {
        exchange: '',
        rk: 'made-in-ui',
        payload: '{"via":"default"}',
      });
      await until(
        'published to the default exchange',
        () => root().queues.get('made-in-ui')!.messageCount === 1,
      );
      await page.screenshot({ path: join(SHOTS, '20-exchanges.png'), fullPage: true });

      await page.click('a[data-page=bindings]');
      await submit(page, 'form-add-binding', {
        source: 'ui-x',
        kind: 'q',
        dest: 'made-in-ui',
        rk: 'order.#',
      });
      await page.waitForSelector('button[data-action=delete-binding][data-source=ui-x]');
      await submit(page, 'form-publish-any', { exchange: 'ui-x', rk: 'order.created', payload: '{}' }).catch(
        () => undefined,
      );
      await page.click('button[data-action=delete-binding][data-source=ui-x]');
      await until(
        'binding deleted',
        async () => (await page.locator('button[data-action=delete-binding]').count()) === 0,
      );

      await page.click('a[data-page=exchanges]');
      await page.click('button[data-action=delete-exchange][data-name=ui-x]');
      await until('exchange deleted', () => !root().exchanges.has('ui-x'));

      await page.click('a[data-page=channels]');
      await page.waitForFunction(() =>
        (document.querySelector('#table-channels tbody')?.textContent ?? '').includes('admin'),
      );
      await page.click('a[data-page=connections]');
      await page.click('button[data-action=close-connection]');
      await until('connection closed', () => connClosed);

      await page.click('a[data-page=users]');
      await submit(page, 'form-add-user', { name: 'webuser', password: 'pw', tags: 'management' });
      await until('user', () => s.users.getUser('webuser')?.tags.includes('management') === true);
      await page.click('a[data-page=permissions]');
      await submit(page, 'form-set-permission', {
        user: 'webuser',
        configure: '^web',
        write: '.*',
        read: '.*',
      });
      await until('permission', () => s.users.getPermissions('webuser', '/')?.configure === '^web');
      await page.click('button[data-action=clear-permission][data-user=webuser]');
      await until('permission cleared', () => s.users.getPermissions('webuser', '/') === undefined);

      await page.click('a[data-page=policies]');
      await submit(page, 'form-set-policy', {
        name: 'ui-cap',
        pattern: '^made-in-ui$',
        applyTo: 'queues',
        priority: '1',
        definition: '{"max-length": 1}',
      });
      await until('policy in effect', () => root().queues.get('made-in-ui')?.policy?.name === 'ui-cap');
      await page.waitForSelector('button[data-action=delete-policy][data-name=ui-cap]');
      await submit(page, 'form-set-policy', { name: 'ui-bad', definition: '{"bogus": 1}' });
      await page.waitForFunction(() =>
        (document.querySelector('#toast')?.textContent ?? '').includes('are not recognised policy settings'),
      );
      assert.equal(root().policies.get('ui-bad'), undefined);
      await page.screenshot({ path: join(SHOTS, '22-policies.png'), fullPage: true });
      await page.goto(`${s.httpUrl}/#/queues/%2F/made-in-ui`);
      await page.waitForFunction(() =>
        (document.querySelector('#queue-policy')?.textContent ?? '').includes('ui-cap'),
      );
      await page.goto(`${s.httpUrl}/#/policies`);
      await page.click('button[data-action=delete-policy][data-name=ui-cap]');
      await until(
        'policy deleted',
        () => root().policies.size === 0 && !root().queues.get('made-in-ui')?.policy,
      );

      await page.selectOption('#vhost-select', 'dash');
      await page.click('a[data-page=queues]');
      await submit(page, 'form-add-queue', { name: 'in-dash' });
      await until('queue in the selected vhost', () => s.broker.vhost('dash')!.queues.has('in-dash'));
      await page.waitForFunction(
        () => !(document.querySelector('#table-queues')?.textContent ?? '').includes('made-in-ui'),
      );

      await page.goto(`${s.httpUrl}/#/no-such-page`);
      await page.waitForSelector('#not-found');

      await page.setViewportSize({ width: 420, height: 860 });
      for (const hash of ['#/overview', '#/queues', '#/dead', '#/users', '#/policies']) {
        await page.goto(`${s.httpUrl}/${hash}`);
        await page.waitForSelector('#main .card');
        const { scrollWidth, clientWidth } = await page.evaluate(() => ({
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth,
        }));
        assert.ok(
          scrollWidth <= clientWidth,
          `${hash} is ${scrollWidth} px wide in a ${clientWidth} px window`,
        );
      }
      await page.goto(`${s.httpUrl}/#/queues`);
      await page.waitForSelector('#table-queues');
      await page.screenshot({ path: join(SHOTS, '21-queues-420px.png'), fullPage: true });
    } finally {
      await closeChromium(browser);
      await conn.close().catch(() => undefined);
      await s.close();
    }
  },
);
