/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) as Vixie cron reads
 * them: `*`, values, ranges `a-b`, steps `*\/n` and `a-b/n`, lists `a,b`, month and weekday
 * names (jan-dec, sun-sat), 7 = Sunday, and the macros @yearly @annually @monthly @weekly
 * @daily @midnight @hourly. When both day fields are restricted a day matches either (cron's
 * OR rule). Times are wall-clock times in an IANA time zone (Intl), default UTC.
 *
 * DST: a wall time that does not exist (the hour skipped in spring) does not fire; a wall time
 * that happens twice (the hour repeated in autumn) fires once, at its first occurrence.
 */
import { wallClock, type WallParts } from './wall-clock.js';

export class CronSyntaxError extends Error {
  override readonly name = 'CronSyntaxError';
  readonly code = 'ERR_CRON_SYNTAX' as const;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldSpec {
  label: string;
  min: number;
  max: number;
  names?: string[];
  namesFrom?: number;
}

const FIELDS: FieldSpec[] = [
  { label: 'minute', min: 0, max: 59 },
  { label: 'hour', min: 0, max: 23 },
  { label: 'day of month', min: 1, max: 31 },
  { label: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { label: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 },
];

/** How far ahead next() looks before deciding an expression never fires (e.g. 30 Feb). */
const SEARCH_YEARS = 8;

export class CronExpression {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly weekdays: ReadonlySet<number>;
  private readonly daysRestricted: boolean;
  private readonly weekdaysRestricted: boolean;

  /** Parses `source`; throws CronSyntaxError naming the bad field. */
  constructor(
    readonly source: string,
    readonly timeZone = 'UTC',
  ) {
    const text = MACROS[source.trim().toLowerCase()] ?? source.trim();
    const parts = text.split(/\s+/);
    if (parts.length !== 5) throw new CronSyntaxError(`cron "${source}" needs 5 fields, got ${parts.length}`);
    const sets = parts.map((p, i) => parseField(p, FIELDS[i]!, source));
    [this.minutes, this.hours, this.days, this.months] = sets as [
      Set<number>,
      Set<number>,
      Set<number>,
      Set<number>,
    ];
    const weekdays = new Set(sets[4]);
    if (weekdays.delete(7)) weekdays.add(0);
    this.weekdays = weekdays;
    this.daysRestricted = parts[2] !== '*' && parts[2] !== '?';
    this.weekdaysRestricted = parts[4] !== '*' && parts[4] !== '?';
    wallClock(0, timeZone); // throws a RangeError for an unknown time zone
    if (this.next(Date.UTC(2000, 0, 1)) === undefined)
      throw new CronSyntaxError(`cron "${source}" never fires`);
  }

  /** The first firing time strictly after `after` (ms since the epoch), or undefined. */
  next(after: number): number | undefined {
    let t = Math.floor(after / 60_000) * 60_000 + 60_000;
    const limit = after + SEARCH_YEARS * 366 * 86_400_000;
    while (t <= limit) {
      const w = wallClock(t, this.timeZone);
      if (!this.months.has(w.month) || !this.dayMatches(w.day, w.weekday)) {
        // To an hour before wall midnight: a DST change on the way cannot jump past it.
        t += Math.max(60 - w.minute, (22 - w.hour) * 60 + (60 - w.minute)) * 60_000;
      } else if (!this.hours.has(w.hour)) {
        t += (60 - w.minute) * 60_000;
      } else if (!this.minutes.has(w.minute) || inRepeatedHour(t, w, this.timeZone)) {
        t += 60_000;
      } else {
        return t;
      }
    }
    return undefined;
  }

  private dayMatches(day: number, weekday: number): boolean {
    const d = this.days.has(day);
    const w = this.weekdays.has(weekday);
    if (this.daysRestricted && this.weekdaysRestricted) return d || w;
    return d && w;
  }
}

/** True at the second pass through a wall-clock hour (the hour repeated when DST ends). */
function inRepeatedHour(t: number, w: WallParts, timeZone: string): boolean {
  const hourAgo = wallClock(t - 3_600_000, timeZone);
  return hourAgo.day === w.day && hourAgo.hour === w.hour;
}

function parseField(text: string, spec: FieldSpec, source: string): Set<number> {
  const out = new Set<number>();
  const fail = (why: string): never => {
    throw new CronSyntaxError(`cron "${source}": ${spec.label} field "${text}" ${why}`);
  };
  for (const item of text.split(',')) {
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined || range === undefined || range === '') fail('is malformed');
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) fail('has a bad step');
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = spec.min;
      hi = spec.label === 'day of week' ? 6 : spec.max;
    } else {
      const bounds = range!.split('-');
      if (bounds.length > 2) fail('has a bad range');
      lo = value(bounds[0]!, spec, fail);
      hi = bounds.length === 2 ? value(bounds[1]!, spec, fail) : stepText !== undefined ? spec.max : lo;
      if (hi < lo) fail('has a range that runs backwards');
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

function value(text: string, spec: FieldSpec, fail: (why: string) => never): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  const v = named >= 0 ? named + (spec.namesFrom ?? 0) : /^\d+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(v)) return fail(`has an unknown value "${text}"`);
  if (v < spec.min || v > spec.max) return fail(`value ${v} is outside ${spec.min}-${spec.max}`);
  return v;
}
