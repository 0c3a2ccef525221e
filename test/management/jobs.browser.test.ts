// The dashboard's Jobs page in Debian's chromium (playwright-core), on an app running the
// management server over its embedded broker and its own job store: tasks with their counts
// per state, a task's jobs by state with paging, one job's progress and result, a failed job's
// error and Retry (its dead letter is re-driven and the job completes), Cancel of a running job
// (its handler is aborted through ctx.signal). Screenshots to .artifacts/screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Service, Task, Warren, type TaskContext } from '../../src/framework/index.js';
import { closeChromium, HAVE_CHROMIUM, launchChromium, SHOTS } from './chromium.js';

declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  querySelectorAll(selector: string): { length: number };
};

let flakyRuns = 0;
let slowAborted = false;

@Service('jobsui')
class JobsUi {
  @Task('jobsui.report')
  async report(p: { n: number }, ctx: TaskContext): Promise<{ rows: number }> {
    await ctx.progress({ pct: 100 });
    return { rows: p.n * 10 };
  }

  @Task('jobsui.flaky', { retries: 0 })
  flaky(): Promise<string> {
    flakyRuns++;
    if (flakyRuns === 1) return Promise.reject(new Error('upstream said 503'));
    return Promise.resolve('fine now');
  }

  @Task('jobsui.slow')
  slow(_p: unknown, ctx: TaskContext): Promise<void> {
    return new Promise((_resolve, reject) => {
      ctx.signal.addEventListener('abort', () => {
        slowAborted = true;
        reject(ctx.signal.reason as Error);
      });
    });
  }
}

async function until(predicate: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await predicate()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test(
  'dashboard: jobs by task and state with paging, a job’s detail, retry of a failed job, cancel of a running one',
  { skip: !HAVE_CHROMIUM, timeout: 120_000 },
  async () => {
    const app = await Warren.start({ services: [new JobsUi()], management: { port: 0 } });
    const browser = await launchChromium();
    try {
      const reports = await Promise.all(
        Array.from({ length: 23 }, (_, n) => app.client.enqueue('jobsui.report', { n })),
      );
      for (const job of reports) await job.result({ timeout: 20_000 });
      const flaky = await app.client.enqueue('jobsui.flaky', {});
      await until(async () => (await flaky.state()) === 'failed', 'the flaky job to fail');
      const slow = await app.client.enqueue('jobsui.slow', {});
      await until(async () => (await slow.state()) === 'active', 'the slow job to start');

      const page = browser.pages()[0] ?? (await browser.newPage());
      page.setDefaultTimeout(15_000);
      await page.goto(`http://127.0.0.1:${app.managementAddress!.port}/`);
      await page.fill('#login-user', 'guest');
      await page.fill('#login-password', 'guest');
      await page.click('button[type=submit]');
      await page.waitForSelector('#stat-ready');
      await page.click('a[data-page=jobs]');
      await page.waitForSelector('a[href="#/jobs/jobsui.report"]');
      const cell = async (task: string, column: number): Promise<string | null> =>
        page.textContent(`#table-job-tasks tr[data-href="#/jobs/${task}"] td:nth-child(${column})`);
      // Columns: task, then waiting, delayed, active, completed, failed, dead, cancelled.
      assert.equal(await cell('jobsui.report', 5), '23');
      assert.equal(await cell('jobsui.flaky', 6), '1');
      assert.equal(await cell('jobsui.slow', 4), '1');
      await page.screenshot({ path: join(SHOTS, '30-jobs-tasks.png'), fullPage: true });

      await page.click('a[href="#/jobs/jobsui.report"]');
      await page.waitForSelector('#table-jobs tr[data-job]');
      assert.equal(await page.locator('#table-jobs tr[data-job]').count(), 20);
      assert.match((await page.textContent('#jobs-page')) ?? '', /page 1 of 2 · 23 jobs/);
      await page.click('#jobs-next');
      await page.waitForFunction(() => document.querySelectorAll('#table-jobs tr[data-job]').length === 3);
      await page.click('#job-tabs button[data-state=failed]');
      await page.waitForSelector('#table-jobs td.empty');
      await page.click('#job-tabs button[data-state=completed]');
      await page.waitForFunction(() => document.querySelectorAll('#table-jobs tr[data-job]').length === 20);
      await page.screenshot({ path: join(SHOTS, '31-jobs-list.png'), fullPage: true });

      const first = reports[0]!;
      await page.goto(`http://127.0.0.1:${app.managementAddress!.port}/#/jobs/jobsui.report/${first.id}`);
      await page.waitForSelector('#job-result');
      assert.deepEqual(JSON.parse((await page.textContent('#job-result')) ?? ''), { rows: 0 });
      assert.match(
        (await page.textContent('#job-kv')) ?? '',
        /completed[\s\S]*Attempts1[\s\S]*\{"pct":100\}/,
      );
      assert.equal(await page.$('#job-cancel'), null, 'a finished job cannot be cancelled');

      await page.goto(`http://127.0.0.1:${app.managementAddress!.port}/#/jobs/jobsui.flaky/${flaky.id}`);
      await page.waitForSelector('#job-error');
      assert.equal(await page.textContent('#job-error'), 'Error: upstream said 503');
      await page.screenshot({ path: join(SHOTS, '32-job-failed.png'), fullPage: true });
      await page.click('#job-retry');
      assert.equal(await flaky.result({ timeout: 20_000 }), 'fine now');
      await page.waitForSelector('#job-result');
      assert.equal(flakyRuns, 2);

      await page.goto(`http://127.0.0.1:${app.managementAddress!.port}/#/jobs/jobsui.slow/${slow.id}`);
      await page.click('#job-cancel');
      await page.click('#modal-ok');
      await until(() => slowAborted, 'the running handler to be aborted');
      assert.equal(await slow.state(), 'cancelled');
      await page.waitForFunction(
        () => document.querySelector('#job-kv .job-state')?.textContent === 'cancelled',
      );
    } finally {
      await closeChromium(browser);
      await app.close({ timeout: 2000 });
    }
  },
);
