/**
 * The one way the extension owns what it must release: an owner register()s each subscription,
 * emitter, provider or child resource, and dispose() releases all of them once, in the order they
 * were registered. activate.ts holds the extension's root owner in context.subscriptions; classes
 * that subscribe (Checkouts, SidebarProvider, ...) extend this one. No runtime import of vscode,
 * so plain modules and their unit tests can use it too.
 */

/** Anything with dispose(): vscode.Disposable, and async ones (the engine) whose promise is not awaited here. */
export interface DisposableLike {
  dispose(): unknown;
}

export class Disposable implements DisposableLike {
  private readonly owned: DisposableLike[] = [];
  private released = false;

  /** Owns `d` until dispose(); registered after it, `d` is released at once. */
  register<T extends DisposableLike>(d: T): T {
    if (this.released) void d.dispose();
    else this.owned.push(d);
    return d;
  }

  /** Releases everything registered; later calls do nothing. */
  dispose(): void {
    this.released = true;
    for (const d of this.owned.splice(0)) void d.dispose();
  }
}
