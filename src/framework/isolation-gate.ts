/**
 * Lets one task handler run alone in its process. A task that kills its process (a native
 * crash, process.exit, an OOM kill) takes every delivery the process held down with it: they
 * all come back redelivered and nothing says which one was the culprit. Each is a suspect,
 * and a suspect runs alone (quarantine.ts): if the process dies then, the suspect did it.
 *
 * One gate per app, shared by all its task workers (a crash kills the whole process). Normal
 * task runs `enter` and `leave`; `isolate` stops new runs from entering, waits until the
 * running ones left, runs its function, then lets the waiting runs in. Isolations run one
 * after the other, and the runs that waited get in between two of them.
 */
export class IsolationGate {
  /** Normal task runs inside the gate. */
  #running = 0;
  /** An isolation is waiting for the gate to empty, or running. */
  #closed = false;
  readonly #waiting: (() => void)[] = [];
  #emptied: (() => void) | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  /** Task runs inside the gate (for tests and idle checks). */
  get running(): number {
    return this.#running;
  }

  /**
   * A normal run may start: undefined when it entered at once (the hot path allocates
   * nothing), else a promise that resolves once it entered. Every entry must `leave`.
   */
  enter(): Promise<void> | undefined {
    if (!this.#closed) {
      this.#running++;
      return undefined;
    }
    return new Promise((resolve) =>
      this.#waiting.push(() => {
        this.#running++;
        resolve();
      }),
    );
  }

  leave(): void {
    this.#running--;
    if (this.#running > 0) return;
    const emptied = this.#emptied;
    this.#emptied = undefined;
    emptied?.();
  }

  /** Runs `alone` once no normal run is inside, with none let in until it settled. */
  isolate<T>(alone: () => Promise<T>): Promise<T> {
    const turn = this.#chain.then(() => this.#runAlone(alone));
    this.#chain = turn.catch(() => undefined);
    return turn;
  }

  async #runAlone<T>(alone: () => Promise<T>): Promise<T> {
    this.#closed = true;
    try {
      if (this.#running > 0) await new Promise<void>((resolve) => (this.#emptied = resolve));
      return await alone();
    } finally {
      this.#closed = false;
      for (const letIn of this.#waiting.splice(0)) letIn();
    }
  }
}
