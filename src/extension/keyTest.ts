/**
 * "Kairos: Test Embedding API Key": one embedding call with the stored key, from the extension
 * host. The engine has no key-test endpoint, so this uses the same embedder modules the engine
 * uses (the official provider clients), pointed at the configured base URL; the provider's own
 * message is shown on failure, with the key redacted.
 */
import type { EmbeddingSettings } from './config.js';
import type { KeyedProvider } from './secrets.js';

export interface ProbeResult {
  ok: boolean;
  /** One sentence for the notification. */
  message: string;
}

/** Something that embeds one short text: the provider embedder's `probe()`. */
export interface Probe {
  probe(): Promise<{ provider: string; model: string; dimension: number }>;
}

export type ProbeFactory = (provider: KeyedProvider, key: string, settings: EmbeddingSettings) => Promise<Probe>;

/** Runs one embedding call and turns the outcome into a message that never contains the key. */
export async function testKey(provider: KeyedProvider, key: string, settings: EmbeddingSettings, createProbe: ProbeFactory): Promise<ProbeResult> {
  try {
    const probe = await createProbe(provider, key, settings);
    const info = await probe.probe();
    return { ok: true, message: `The ${provider} key works: ${info.model} returned a ${info.dimension}-dimension vector.` };
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    return { ok: false, message: raw.split(key).join('[redacted]') };
  }
}

/** The embedder factories of src/embeddings (see embedders.ts). */
export type EmbedderModule = typeof import('./embedders.js');

/** A ProbeFactory over the real provider modules, loaded lazily by `load`. */
export function probeFactory(load: () => Promise<EmbedderModule>): ProbeFactory {
  return async (provider, key, s) => {
    const m = await load();
    // Fail fast and leave retries to the user: a test should answer in seconds.
    const retry = { maxAttempts: 1, timeoutMs: 15_000 };
    switch (provider) {
      case 'openai':
        return m.createOpenAIEmbedder({ apiKey: key, retry, ...(s.model ? { model: s.model } : {}), ...(s.endpoint ? { baseURL: s.endpoint } : {}) });
      case 'azure':
        if (!s.endpoint || !s.deployment) {
          throw new Error('Azure OpenAI needs kairos.embedding.endpoint and kairos.embedding.deployment.');
        }
        return m.createAzureEmbedder({ apiKey: key, endpoint: s.endpoint, deployment: s.deployment, retry, ...(s.model ? { model: s.model } : {}) });
      case 'cohere':
        return m.createCohereEmbedder({ apiKey: key, retry, ...(s.model ? { model: s.model } : {}), ...(s.endpoint ? { baseURL: s.endpoint } : {}) });
    }
  };
}
