/**
 * BYOK keys in VS Code's SecretStorage, one per provider. The key is returned only to the code
 * that hands it to an embedder (engine env, key test, remote settings call); everything meant
 * for people (status, webview, logs) gets `hint()`, never the key.
 */
import type { EmbeddingProvider, KeyedProvider } from '../protocol/embedders.js';

/** The subset of vscode.SecretStorage used here. */
export interface SecretStore {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

export type { KeyedProvider };

export function needsKey(provider: EmbeddingProvider): provider is KeyedProvider {
  return provider !== 'local';
}

export function secretKeyFor(provider: KeyedProvider): string {
  return `kairos.embedding.apiKey.${provider}`;
}

/** Validates what a user pasted: trimmed, one line, plausible length. Returns an error or undefined. */
export function checkKeyShape(value: string): string | undefined {
  const v = value.trim();
  if (!v) return 'The key is empty.';
  if (/\s/.test(v)) return 'The key must be one line without spaces.';
  if (v.length < 8) return 'That is too short to be an API key.';
  if (v.length > 512) return 'That is too long to be an API key.';
  return undefined;
}

/** "openai …abcd": enough to recognise a key, useless to anyone who sees it. */
export function keyHint(provider: KeyedProvider, key: string): string {
  return `${provider} …${key.slice(-4)}`;
}

export class KeyStore {
  constructor(private readonly secrets: SecretStore) {}

  async set(provider: KeyedProvider, key: string): Promise<void> {
    const problem = checkKeyShape(key);
    if (problem) throw new Error(problem);
    await this.secrets.store(secretKeyFor(provider), key.trim());
  }

  async get(provider: KeyedProvider): Promise<string | undefined> {
    return (await this.secrets.get(secretKeyFor(provider))) || undefined;
  }

  async clear(provider: KeyedProvider): Promise<void> {
    await this.secrets.delete(secretKeyFor(provider));
  }

  async hint(provider: EmbeddingProvider): Promise<string | undefined> {
    if (!needsKey(provider)) return undefined;
    const key = await this.get(provider);
    return key ? keyHint(provider, key) : undefined;
  }
}
