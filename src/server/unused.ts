/**
 * Idle exit for an engine started by an editor (KAIROS_EXIT_WHEN_UNUSED=1): it stops when its
 * last client unregisters, or when none has been registered for `afterMs` (an editor killed
 * without deactivating never unregisters; its pid is checked instead). A person's `kairos serve`
 * does not use this.
 */
import type { ClientRegistry } from '../runtime/clients.js';

/** Calls `stop` once, with the reason; returns a disposer. */
export function watchUnused(clients: ClientRegistry, afterMs: number, stop: (reason: string) => void): () => void {
  let done = false;
  const fire = (reason: string): void => {
    if (done) return;
    done = true;
    dispose();
    stop(reason);
  };
  const offEmpty = clients.onEmpty(() => fire('its last client unregistered'));
  const timer = setInterval(
    () => {
      if (clients.unusedForMs() >= afterMs) fire(`no client registered for ${Math.round(afterMs / 100) / 10} s`);
    },
    Math.max(50, Math.min(1_000, afterMs / 4)),
  );
  // The engine's lifetime is decided by its server and signals, never by this timer.
  timer.unref();
  const dispose = (): void => {
    clearInterval(timer);
    offEmpty();
  };
  return dispose;
}
