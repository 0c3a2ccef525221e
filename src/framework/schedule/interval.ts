/**
 * `every` intervals: a number of ms, or text such as '500ms', '30s', '5m', '1h30m', '2d'.
 * Ticks of an interval schedule fall on multiples of the interval since the epoch, so every
 * process computes the same ticks without talking to the others.
 */
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseInterval(every: string | number): number {
  if (typeof every === 'number') {
    if (!Number.isInteger(every) || every < 1)
      throw new RangeError(`every must be a whole number of ms >= 1, got ${every}`);
    return every;
  }
  const text = every.trim().toLowerCase();
  const re = /(\d+)\s*(ms|s|m|h|d)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (end !== text.length || total < 1)
    throw new RangeError(`every "${every}" is not an interval like '500ms', '30s', '5m', '1h30m' or '2d'`);
  return total;
}

/** The first tick strictly after `after`. */
export function nextIntervalTick(periodMs: number, after: number): number {
  return (Math.floor(after / periodMs) + 1) * periodMs;
}
