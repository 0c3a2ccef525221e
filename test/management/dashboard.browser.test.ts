// The dashboard in a real browser (Debian's chromium through playwright-core): log in,
// watch a queue's depth change after an AMQP publish, its charts drawn from server-kept samples
// (still there after a reload), purge it from the UI; screenshots go
// to .artifacts/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { chromium } from 'playwright-core';
import { startStack } from './stack.js';

// Page functions run in the browser; this file is compiled without the DOM lib.
declare const document: {
  querySelector(selector: string): { textContent: string | null; dataset?: Record<string, string> } | null;
};

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(process.cwd(), '.artifacts', 'screenshots');

test(
  'dashboard: login, live queue depth, purge from the UI',
  { skip: !existsSync(CHROMIUM), timeout: 120_000 },
  async () => {
    mkdirSync(SHOTS, { recursive: true });
    const s = await startStack();
    const conn = await amqp.connect(`amqp://admin:admin@127.0.0.1:${s.amqpPort}`);
    const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'warren-chromium-')), {
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
      viewport: { width: 1360, height: 900 },
    });
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue('orders', { durable: true });
      await ch.assertQueue('emails');
      await ch.assertExchange('events', 'topic');
      await ch.bindQueue('orders', 'events', 'order.*');
      for (let i = 0; i < 5; i++) ch.sendToQueue('emails', Buffer.from(`e${i}`));
      const page = browser.pages()[0] ?? (await browser.newPage());
      page.setDefaultTimeout(10_000);
      await page.goto(s.httpUrl);
      await page.screenshot({ path: join(SHOTS, '01-login.png') });
      await page.fill('#login-user', 'admin');
      await page.fill('#login-password', 'admin');
      await page.click('button[type=submit]');
      await page.waitForSelector('#stat-ready');
      for (let i = 0; i < 20; i++)
        ch.publish('events', 'order.created', Buffer.from(JSON.stringify({ id: i })));
      await page.waitForFunction(() => document.querySelector('#stat-ready .value')?.textContent === '25');
      await page.waitForTimeout(4500);
      await page.screenshot({ path: join(SHOTS, '02-overview.png') });
      await page.click('a[data-page=queues]');
      await page.waitForSelector('#table-queues');
      await page.screenshot({ path: join(SHOTS, '03-queues.png') });
      await page.click('a[href="#/queues/%2F/orders"]');
      await page.waitForFunction(() => document.querySelector('#queue-ready .value')?.textContent === '20');
      for (let i = 0; i < 3; i++) ch.publish('events', 'order.paid', Buffer.from('{}'));
      await page.waitForFunction(() => document.querySelector('#queue-ready .value')?.textContent === '23');
      // The queue's chart samples are kept by the server: after a reload the chart still has
      // the points of the time before it (a client-side history would restart at one point).
      await page.waitForFunction(
        () => Number(document.querySelector('#chart-queue')?.dataset?.['points']) >= 2,
        null,
        {
          timeout: 30_000,
        },
      );
      await page.reload();
      await page.waitForFunction(() => document.querySelector('#queue-ready .value')?.textContent === '23');
      const points = await page.evaluate(() =>
        Number(document.querySelector('#chart-queue')?.dataset?.['points']),
      );
      assert.ok(points >= 2, `${points} points after a reload`);
      await page.screenshot({ path: join(SHOTS, '04-queue.png'), fullPage: true });
      await page.click('#btn-purge');
      await page.click('#modal-ok');
      await page.waitForFunction(() => document.querySelector('#queue-ready .value')?.textContent === '0');
      assert.equal(s.broker.vhost('/')!.queues.get('orders')!.messageCount, 0);
      await page.screenshot({ path: join(SHOTS, '05-purged.png'), fullPage: true });
      await page.click('a[data-page=connections]');
      await page.waitForSelector('#table-connections');
      await page.screenshot({ path: join(SHOTS, '06-connections.png') });
    } finally {
      await browser.close();
      await conn.close().catch(() => undefined);
      await s.close();
    }
  },
);
