/**
 * Keeps in-process publishing from starving the event loop. The engine confirms a transient
 * publish inside the call, so `await channel.publish(…)` resolves as a microtask: a loop of
 * awaited publishes (or enqueues) never gave timers and I/O a turn until it ended (20k of them
 * blocked timers for 0.3–1.3 s). Once a turn of the event loop has spent SLICE_MS on such
 * publishes, the confirms of the rest of the turn resolve together from setImmediate, so
 * timers and I/O run at least every SLICE_MS or so. The clock is read every CHECK_EVERY
 * publishes only. Shared by every embedded channel in the process: the loop is one resource.
 */
const SLICE_MS = 10;
const CHECK_EVERY = 64;
const RESOLVED: Promise<void> = Promise.resolve();

let count = 0;
let turnStart = 0;
/** The next turn, once this one is over its slice: shared by every publish past it. */
let nextTurn: Promise<void> | undefined;
let resetScheduled = false;

function reset(): void {
  count = 0;
  nextTurn = undefined;
  resetScheduled = false;
}

/** The promise an immediately confirmed publish resolves with. */
export function confirmedNow(): Promise<void> {
  if (nextTurn !== undefined) return nextTurn;
  if (!resetScheduled) {
    resetScheduled = true;
    turnStart = performance.now();
    setImmediate(reset);
  }
  if (++count % CHECK_EVERY !== 0 || performance.now() - turnStart < SLICE_MS) return RESOLVED;
  // Resolved by an immediate queued after `reset`: the publishes it releases start a new slice.
  return (nextTurn = new Promise((resolve) => setImmediate(resolve)));
}
