/**
 * The app's typed emitter for task lifecycle events (middleware.ts lists them). Listener
 * errors are reported to the app's error sink and never reach the worker, so a buggy metrics
 * listener cannot fail or retry a task.
 */
import type { TaskLifecycleEvent, TaskLifecycleEventMap, TaskLifecycleListener } from './middleware.js';

export class LifecycleEmitter {
  readonly #listeners = new Map<TaskLifecycleEvent, Set<(event: never) => void>>();
  readonly #onError: (err: unknown) => void;

  constructor(onError: (err: unknown) => void) {
    this.#onError = onError;
  }

  on<E extends TaskLifecycleEvent>(event: E, listener: TaskLifecycleListener<E>): void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
  }

  off<E extends TaskLifecycleEvent>(event: E, listener: TaskLifecycleListener<E>): void {
    this.#listeners.get(event)?.delete(listener);
  }

  /** Whether `event` has listeners: lets emitters skip building a payload nobody reads. */
  listening(event: TaskLifecycleEvent): boolean {
    const set = this.#listeners.get(event);
    return set !== undefined && set.size > 0;
  }

  emit<E extends TaskLifecycleEvent>(event: E, payload: TaskLifecycleEventMap[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as TaskLifecycleListener<E>)(payload);
      } catch (err) {
        this.#onError(err);
      }
    }
  }
}
