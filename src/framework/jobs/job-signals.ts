/**
 * Process-wide signals between apps that share a job store in one process (several apps on
 * one embedded broker, or a client app and a worker app in one test): which jobs run here
 * (so a cancel can abort them without a broker round trip) and who waits for a job to change
 * (so `job.result()` wakes at once instead of at its next poll).
 */

/** What a running job is aborted through (its delivery). */
export interface Abortable {
  abort(reason: unknown): void;
}

const running = new Map<string, Abortable>();
const waiters = new Map<string, Set<() => void>>();

/** Registers a running job (the latest attempt of an id wins). */
export function runningHere(id: string, job: Abortable): void {
  running.set(id, job);
}

/** The job's attempt here ended. */
export function notRunningHere(id: string): void {
  running.delete(id);
}

/** Aborts the job if it runs in this process; false when it does not. */
export function abortHere(id: string, reason: unknown): boolean {
  const job = running.get(id);
  if (job === undefined) return false;
  job.abort(reason);
  return true;
}

/** Wakes everyone waiting on `id`. */
export function jobChanged(id: string): void {
  const set = waiters.get(id);
  if (!set) return;
  waiters.delete(id);
  for (const wake of set) wake();
}

/** Resolves when `id` changes in this process or after `ms`, whichever is first. */
export function changeOrTimeout(id: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let set = waiters.get(id);
    if (!set) waiters.set(id, (set = new Set()));
    const wake = (): void => {
      clearTimeout(timer);
      set.delete(wake);
      if (set.size === 0 && waiters.get(id) === set) waiters.delete(id);
      resolve();
    };
    const timer = setTimeout(wake, ms);
    set.add(wake);
  });
}

/**
 * Reads `read()` until `done` says so, waking at once on a change of `key` in this process and
 * polling (5 ms doubling to 250 ms) for changes made elsewhere. Rejects with `timedOut(last)`
 * after `options.timeout` ms, with the signal's reason when it aborts.
 */
export async function pollUntil<T>(
  key: string,
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timedOut: (last: T, timeout: number) => Error,
  options: { timeout?: number; signal?: AbortSignal },
): Promise<T> {
  const timeout = options.timeout ?? Infinity;
  const deadline = Date.now() + timeout;
  let interval = 5;
  for (;;) {
    options.signal?.throwIfAborted();
    const value = await read();
    if (done(value)) return value;
    const left = deadline - Date.now();
    if (left <= 0) throw timedOut(value, timeout);
    await changeOrTimeout(key, Math.min(interval, left));
    interval = Math.min(interval * 2, 250);
  }
}
