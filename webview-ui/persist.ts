/**
 * Where the UI keeps its restorable state. VS Code drops hidden webviews
 * (retainContextWhenHidden is off), so the sidebar uses getState/setState; the console uses
 * sessionStorage so a reload keeps the query and open memory.
 */
import type { VsCodeApi } from './bridges/vscode.js';

export interface UiStateStore {
  load(): unknown;
  save(state: unknown): void;
}

export function vscodeStateStore(api: VsCodeApi): UiStateStore {
  return { load: () => api.getState(), save: (s) => api.setState(s) };
}

export function sessionStateStore(storage: Storage | undefined, key = 'kairos.ui'): UiStateStore {
  return {
    load() {
      try {
        const raw = storage?.getItem(key);
        return raw ? (JSON.parse(raw) as unknown) : undefined;
      } catch {
        return undefined; // storage disabled or a corrupt value: start fresh
      }
    },
    save(s) {
      try {
        storage?.setItem(key, JSON.stringify(s));
      } catch {
        // Quota or privacy mode: restoring is a convenience, never an error.
      }
    },
  };
}
