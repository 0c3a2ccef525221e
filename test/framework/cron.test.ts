// The cron parser: fields, names, ranges, steps, lists, the day OR rule, macros, time zones
// and DST, errors; and next() cross-checked against a minute-by-minute brute force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronExpression, CronSyntaxError } from '../../src/framework/schedule/cron.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();
const next = (expr: string, after: string, tz?: string): string | undefined =>
  iso(new CronExpression(expr, tz).next(at(after)));

test('hourly, steps, ranges, names and lists', () => {
  assert.equal(next('0 * * * *', '2024-05-01T10:15:00Z'), '2024-05-01T11:00:00.000Z');
  assert.equal(next('0 * * * *', '2024-05-01T10:00:00Z'), '2024-05-01T11:00:00.000Z', 'strictly after');
  assert.equal(next('*/15 9-17 * * mon-fri', '2024-05-03T17:50:00Z'), '2024-05-06T09:00:00.000Z');
  assert.equal(next('5,35 */6 * * *', '2024-05-01T06:06:00Z'), '2024-05-01T06:35:00.000Z');
  assert.equal(next('0 0 1 jan *', '2024-05-01T00:00:00Z'), '2025-01-01T00:00:00.000Z');
  assert.equal(next('@daily', '2024-02-28T12:00:00Z'), '2024-02-29T00:00:00.000Z');
  assert.equal(next('0 0 29 2 *', '2024-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('0 0 * * 7', '2024-05-01T00:00:00Z'), '2024-05-05T00:00:00.000Z', '7 is Sunday');
  assert.equal(next('10/20 * * * *', '2024-05-01T00:11:00Z'), '2024-05-01T00:30:00.000Z');
});

test('both day fields restricted: either matches (cron OR rule)', () => {
  // 2024-09-13 is a Friday; the 13th or any Friday.
  assert.equal(next('0 12 13 * fri', '2024-09-01T00:00:00Z'), '2024-09-06T12:00:00.000Z');
  assert.equal(next('0 12 13 * fri', '2024-09-06T13:00:00Z'), '2024-09-13T12:00:00.000Z');
  assert.equal(next('0 12 13 * *', '2024-09-01T00:00:00Z'), '2024-09-13T12:00:00.000Z');
});

test('time zones through Intl, with DST gaps skipped and repeated hours fired once', () => {
  // 09:00 New York: EST (UTC-5) before 10 March 2024, EDT (UTC-4) from that day.
  assert.equal(next('0 9 * * *', '2024-03-09T15:00:00Z', 'America/New_York'), '2024-03-10T13:00:00.000Z');
  assert.equal(next('0 9 * * *', '2024-03-08T15:00:00Z', 'America/New_York'), '2024-03-09T14:00:00.000Z');
  // 02:30 does not exist on 10 March 2024 in New York: the next run is the 11th.
  assert.equal(next('30 2 * * *', '2024-03-10T05:00:00Z', 'America/New_York'), '2024-03-11T06:30:00.000Z');
  // 01:30 happens twice on 3 November 2024: first at 05:30Z (EDT) only.
  assert.equal(next('30 1 * * *', '2024-11-03T04:00:00Z', 'America/New_York'), '2024-11-03T05:30:00.000Z');
  assert.equal(next('30 1 * * *', '2024-11-03T05:30:00Z', 'America/New_York'), '2024-11-04T06:30:00.000Z');
  assert.equal(next('0 0 * * *', '2024-06-01T00:00:00Z', 'Asia/Kolkata'), '2024-06-01T18:30:00.000Z');
});

test('bad expressions are CronSyntaxError naming the field; an unknown zone a RangeError', () => {
  for (const bad of [
    '61 * * * *',
    '* * *',
    '* * * * * *',
    'foo * * * *',
    '5-1 * * * *',
    '*/0 * * * *',
    '0 0 30 2 *',
  ])
    assert.throws(() => new CronExpression(bad), CronSyntaxError, bad);
  assert.throws(() => new CronExpression('0 * * * *', 'Mars/Olympus'), RangeError);
});

/** Minute-by-minute reference in UTC. */
function bruteNext(e: CronExpression, after: number): number {
  for (let t = Math.floor(after / 60_000) * 60_000 + 60_000; ; t += 60_000) {
    const d = new Date(t);
    const dom = e.days.has(d.getUTCDate());
    const dow = e.weekdays.has(d.getUTCDay());
    const fields = e.source.split(/\s+/);
    const dayOk = fields[2] !== '*' && fields[4] !== '*' ? dom || dow : dom && dow;
    if (
      e.minutes.has(d.getUTCMinutes()) &&
      e.hours.has(d.getUTCHours()) &&
      e.months.has(d.getUTCMonth() + 1) &&
      dayOk
    )
      return t;
  }
}

test('next() agrees with a brute-force search on generated expressions', () => {
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const field = (min: number, max: number): string => {
    switch (rand(4)) {
      case 0:
        return '*';
      case 1:
        return String(min + rand(max - min + 1));
      case 2: {
        const a = min + rand(max - min + 1);
        return `${a}-${a + rand(max - a + 1)}`;
      }
      default:
        return `*/${1 + rand(Math.min(12, max))}`;
    }
  };
  for (let i = 0; i < 150; i++) {
    const expr = [field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 6)].join(' ');
    const e = new CronExpression(expr);
    const after = at('2024-01-01T00:00:00Z') + rand(365) * 86_400_000 + rand(1440) * 60_000;
    assert.equal(e.next(after), bruteNext(e, after), expr);
  }
});
