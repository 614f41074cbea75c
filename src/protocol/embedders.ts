/**
 * The embedding providers, declared once: configuration (KAIROS_EMBEDDER, the extension's
 * kairos.embedding.provider), the REST and webview schemas and both UIs read them from here.
 * package.json's setting enum repeats the list, as a manifest cannot import.
 */
export const EMBEDDING_PROVIDERS = ['local', 'openai', 'azure', 'cohere'] as const;
export type EmbeddingProvider = (typeof EMBEDDING_PROVIDERS)[number];

/** The providers that take the user's API key (bring your own key): all but the bundled model. */
export type KeyedProvider = Exclude<EmbeddingProvider, 'local'>;
export const KEYED_PROVIDERS: readonly KeyedProvider[] = EMBEDDING_PROVIDERS.filter((p): p is KeyedProvider => p !== 'local');

/** How the UIs name the keyed providers. */
export const EMBEDDING_PROVIDER_LABELS: Readonly<Record<KeyedProvider, string>> = { openai: 'OpenAI', azure: 'Azure OpenAI', cohere: 'Cohere' };

export function isEmbeddingProvider(value: unknown): value is EmbeddingProvider {
  return (EMBEDDING_PROVIDERS as readonly unknown[]).includes(value);
}

export function isKeyedProvider(value: unknown): value is KeyedProvider {
  return (KEYED_PROVIDERS as readonly unknown[]).includes(value);
}
