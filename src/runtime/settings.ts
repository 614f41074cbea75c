/** Local-mode settings: the embedder choice, persisted in config.json (keys stay in the env). */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbedderChoice } from '../config.js';
import { KairosError } from '../core/errors.js';
import type { EmbedderInfo } from '../core/ports.js';
import type { SettingsController, SettingsUpdate, SettingsView } from '../protocol/messages.js';
import { createLogger } from '../util/logger.js';
import { openConfiguredEmbedder } from './adapters.js';
import type { LocalRuntime } from './local.js';

const log = createLogger('settings');

/** Merges `patch` into $KAIROS_HOME/config.json, keeping other keys; written atomically, mode 0600. */
export function updateConfigFile(home: string, patch: Record<string, unknown>): void {
  const path = join(home, 'config.json');
  let current: Record<string, unknown> = {};
  try {
    current = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    // Absent or unreadable: start from an empty file (loadConfig reported real errors at start).
  }
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ ...current, ...patch }, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** Service mode: each tenant's own embedder; it is chosen with PUT /v1/settings/embedder-key. */
export function serviceSettings(): SettingsController {
  return {
    get(ctx) {
      let embedder: EmbedderInfo | undefined;
      try {
        embedder = ctx.embedder.info;
      } catch {
        // No key saved yet: the embedder only exists to say so when used.
      }
      return { mode: 'remote', ...(embedder ? { embedder } : {}) };
    },
    update: () => Promise.reject(new KairosError('invalid_input', 'In service mode, set your embedding key with PUT /v1/settings/embedder-key.')),
  };
}

export function localSettings(runtime: LocalRuntime, env: NodeJS.ProcessEnv = process.env): SettingsController {
  const view = (): SettingsView => ({ mode: 'local', embedder: runtime.embedder.info });
  return {
    get: view,
    async update(update: SettingsUpdate): Promise<SettingsView> {
      if (update.embedder) {
        const choice: EmbedderChoice = { ...update.embedder };
        // Builds (and for remote providers probes) the new embedder before anything is saved.
        const next = await openConfiguredEmbedder(choice, env, { override: true });
        updateConfigFile(runtime.config.home, { embedder: choice });
        runtime.setEmbedder(next);
        log.info('embedder changed', { embedder: next.info });
      }
      return view();
    },
  };
}
