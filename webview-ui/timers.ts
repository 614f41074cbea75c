/** Debounce and delayed-commit helpers with injectable timers, so their logic is unit-tested. */

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** Runs the last call `ms` after calls stop; `flush` runs a pending call now. */
export class Debouncer<T> {
  private handle: unknown;
  private pending: { value: T } | undefined;

  constructor(
    private readonly ms: number,
    private readonly fn: (value: T) => void,
    private readonly timers: Timers = realTimers,
  ) {}

  call(value: T): void {
    this.cancel();
    this.pending = { value };
    this.handle = this.timers.setTimeout(() => this.flush(), this.ms);
  }

  flush(): void {
    const p = this.pending;
    this.cancel();
    if (p) this.fn(p.value);
  }

  cancel(): void {
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
    this.pending = undefined;
  }
}

/**
 * Actions that run after a grace period unless cancelled: deletes wait here while the user
 * can still undo them, and only then is the real request sent.
 */
export class DelayedActions {
  private readonly handles = new Map<string, unknown>();

  constructor(
    private readonly ms: number,
    private readonly timers: Timers = realTimers,
  ) {}

  schedule(key: string, run: () => void): void {
    this.cancel(key);
    this.handles.set(
      key,
      this.timers.setTimeout(() => {
        this.handles.delete(key);
        run();
      }, this.ms),
    );
  }

  /** Returns true when something was waiting (and now will not run). */
  cancel(key: string): boolean {
    const h = this.handles.get(key);
    if (h === undefined) return false;
    this.timers.clearTimeout(h);
    this.handles.delete(key);
    return true;
  }

  get size(): number {
    return this.handles.size;
  }
}
