/**
 * Schedules the background re-check of code anchors (src/code/checkAnchors.ts): a saved file
 * re-checks only its own anchors, a new HEAD or start-up re-checks a whole checkout. Requests
 * coalesce for a short delay and run one at a time, off the typing path (the extension host
 * reads files and asks the engine asynchronously); a burst of saves costs one run per file set.
 * Plain module: the caller passes the check and the clock.
 */
import type { CheckSummary } from '../code/checkAnchors.js';
import type { Checkout } from './checkouts.js';

export interface AnchorWatcherDeps {
  /** Re-checks one checkout: only anchors on `paths` when given, else all of them. */
  check(checkout: Checkout, paths: string[] | undefined): Promise<CheckSummary>;
  /** After a run that recorded changes (views refresh). */
  onChecked(checkout: Checkout, summary: CheckSummary): void;
  onError(checkout: Checkout, error: unknown): void;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Coalescing delay; short, so a save shows its stale badge well within 2 s. */
  delayMs?: number;
  /** At most this many saved files per run; more make it a whole-checkout run. */
  maxPaths?: number;
}

interface Pending {
  checkout: Checkout;
  /** undefined: the whole checkout. */
  paths: Set<string> | undefined;
}

export class AnchorWatcher {
  private readonly pending = new Map<string, Pending>();
  private timer: unknown;
  private running: Promise<void> | undefined;
  private disposed = false;

  constructor(private readonly deps: AnchorWatcherDeps) {}

  /** A file was saved: re-check the anchors on it. */
  fileSaved(checkout: Checkout, path: string): void {
    const p = this.pending.get(checkout.root);
    if (p && p.paths === undefined) p.checkout = checkout;
    else {
      const paths = p?.paths ?? new Set<string>();
      paths.add(path);
      const tooMany = paths.size > (this.deps.maxPaths ?? 50);
      this.pending.set(checkout.root, { checkout, paths: tooMany ? undefined : paths });
    }
    this.schedule();
  }

  /** HEAD moved or the window started: re-check every anchor of the checkout. */
  checkoutChanged(checkout: Checkout): void {
    this.pending.set(checkout.root, { checkout, paths: undefined });
    this.schedule();
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running || this.timer !== undefined) {
      if (this.running) await this.running;
      else await new Promise<void>((r) => this.deps.setTimeout(r, (this.deps.delayMs ?? 100) + 1));
    }
  }

  private schedule(): void {
    if (this.disposed || this.timer !== undefined || this.running) return;
    this.timer = this.deps.setTimeout(() => {
      this.timer = undefined;
      this.running = this.drain().finally(() => {
        this.running = undefined;
        if (this.pending.size > 0) this.schedule();
      });
    }, this.deps.delayMs ?? 100);
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0 && !this.disposed) {
      const [root, job] = this.pending.entries().next().value as [string, Pending];
      this.pending.delete(root);
      try {
        const summary = await this.deps.check(job.checkout, job.paths ? [...job.paths] : undefined);
        if (summary.recorded > 0) this.deps.onChecked(job.checkout, summary);
      } catch (e) {
        this.deps.onError(job.checkout, e);
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.deps.clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
