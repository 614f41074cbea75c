/**
 * The extension's settings as one typed snapshot, read through a `get` seam so the logic that
 * uses them is testable without VS Code.
 */

import { isEmbeddingProvider, type EmbeddingProvider } from '../protocol/embedders.js';

export type { EmbeddingProvider };
export type Mode = 'local' | 'remote';

export interface EmbeddingSettings {
  provider: EmbeddingProvider;
  model?: string;
  endpoint?: string;
  deployment?: string;
}

export interface ExtensionSettings {
  mode: Mode;
  /** Remote service base URL without a trailing slash; empty when unset. */
  serverUrl: string;
  embedding: EmbeddingSettings;
  searchLimit: number;
}

/** Reads one `kairos.*` setting (vscode.workspace.getConfiguration('kairos').get). */
export type SettingGetter = (key: string) => unknown;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** Builds a validated snapshot; unknown or malformed values fall back to the defaults. */
export function readSettings(get: SettingGetter): ExtensionSettings {
  const mode: Mode = get('mode') === 'remote' ? 'remote' : 'local';
  const provider = str(get('embedding.provider'));
  const limit = get('search.limit');
  const model = str(get('embedding.model'));
  const endpoint = str(get('embedding.endpoint'));
  const deployment = str(get('embedding.deployment'));
  return {
    mode,
    serverUrl: (str(get('serverUrl')) ?? '').replace(/\/+$/, ''),
    embedding: {
      provider: isEmbeddingProvider(provider) ? provider : 'local',
      ...(model ? { model } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(deployment ? { deployment } : {}),
    },
    searchLimit: typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 && limit <= 100 ? limit : 20,
  };
}

/** Settings keys whose change alters the MCP definition or the engine. */
export function affectsConnection(changed: (key: string) => boolean): boolean {
  return ['kairos.mode', 'kairos.serverUrl', 'kairos.embedding'].some(changed);
}
