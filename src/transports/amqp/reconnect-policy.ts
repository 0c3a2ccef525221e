/**
 * The reconnect schedule: exponential from `initialDelayMs`, capped at `maxDelayMs`, with a
 * random share of up to `jitter` taken off so a fleet of clients does not reconnect in
 * lockstep after a broker restart. `maxAttempts` bounds the loop (Infinity by default).
 */
export interface ReconnectOptions {
  /** Delay before the first reconnect attempt, ms (default 100). */
  initialDelayMs?: number;
  /** Longest delay between attempts, ms (default 5000). */
  maxDelayMs?: number;
  /** Fraction in [0, 1] of each delay removed at random (default 0.3). */
  jitter?: number;
  /** Attempts before giving up and closing the transport for good (default Infinity). */
  maxAttempts?: number;
}

export type ResolvedReconnectOptions = Required<ReconnectOptions>;

export function resolveReconnect(options: ReconnectOptions | undefined): ResolvedReconnectOptions {
  return {
    initialDelayMs: options?.initialDelayMs ?? 100,
    maxDelayMs: options?.maxDelayMs ?? 5000,
    jitter: Math.min(Math.max(options?.jitter ?? 0.3, 0), 1),
    maxAttempts: options?.maxAttempts ?? Infinity,
  };
}

/** Delay before reconnect attempt `attempt` (1-based). */
export function reconnectDelay(
  options: ResolvedReconnectOptions,
  attempt: number,
  random: () => number = Math.random,
): number {
  const nominal = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(nominal * (1 - options.jitter * random()));
}
