/**
 * The one place that knows the adapter factories' signatures (stores/, embeddings/), so the rest
 * of the runtime depends only on the core ports.
 */
import type { EmbedderChoice, KairosConfig } from '../config.js';
import type { Embedder, VectorStore } from '../core/ports.js';
import { embedderConfigFromEnv, openEmbedder } from '../embeddings/index.js';
import { openStore } from '../stores/index.js';

/** Opens the configured vector store (embedded PGlite takes the data-dir lock). */
export function openConfiguredStore(config: KairosConfig): Promise<VectorStore> {
  return openStore(config.store);
}

/**
 * The environment seen by embedderConfigFromEnv: an embedder chosen in config.json (or in the
 * console's settings) fills in the variables the user did not set; API keys stay in the env.
 */
export function embedderEnv(choice: EmbedderChoice | undefined, env: NodeJS.ProcessEnv = process.env, opts: { override?: boolean } = {}): NodeJS.ProcessEnv {
  if (!choice || (env.KAIROS_EMBEDDER && !opts.override)) return env;
  const endpointVar: Record<string, string> = {
    openai: 'KAIROS_OPENAI_BASE_URL',
    azure: 'AZURE_OPENAI_ENDPOINT',
    cohere: 'KAIROS_COHERE_BASE_URL',
  };
  const endpointName = endpointVar[choice.provider];
  return {
    ...env,
    KAIROS_EMBEDDER: choice.provider,
    ...(choice.model ? { KAIROS_EMBEDDING_MODEL: choice.model } : {}),
    ...(choice.endpoint && endpointName ? { [endpointName]: choice.endpoint } : {}),
    ...(choice.deployment ? { AZURE_OPENAI_DEPLOYMENT: choice.deployment } : {}),
  };
}

/** Creates the embedder chosen by the environment (and config.json); probes remote ones of unknown size. */
export async function openConfiguredEmbedder(
  choice: EmbedderChoice | undefined,
  env: NodeJS.ProcessEnv = process.env,
  opts: { override?: boolean } = {},
): Promise<Embedder> {
  return openEmbedder(embedderConfigFromEnv(embedderEnv(choice, env, opts)));
}
