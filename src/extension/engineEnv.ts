/**
 * The environment of the engine child process. The BYOK key reaches the engine only here, as an
 * environment variable of the child (in memory, never on disk); inherited embedder variables
 * are dropped so the user's settings, not the editor's shell, decide the embedder.
 */
import type { EmbeddingSettings } from './config.js';

const INHERITED_TO_DROP = /^(KAIROS_|OPENAI_|AZURE_OPENAI_|COHERE_)/;

/** Builds the child's env from the parent's, the data home and the embedding settings. */
export function buildEngineEnv(
  parent: Record<string, string | undefined>,
  home: string,
  embedding: EmbeddingSettings,
  apiKey: string | undefined,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && !INHERITED_TO_DROP.test(k)) env[k] = v;
  env.KAIROS_HOME = home;
  // Any free loopback port; the engine records the one it got in engine.json.
  env.KAIROS_PORT = '0';
  env.KAIROS_HOST = '127.0.0.1';
  // An editor-started engine stops when no window is registered (a killed editor never says so).
  env.KAIROS_EXIT_WHEN_UNUSED = '1';
  // The extension host's own executable runs as plain Node (Electron in desktop VS Code).
  env.ELECTRON_RUN_AS_NODE = '1';
  env.KAIROS_EMBEDDER = embedding.provider;
  if (embedding.model && embedding.provider !== 'local') env.KAIROS_EMBEDDING_MODEL = embedding.model;
  switch (embedding.provider) {
    case 'openai':
      if (apiKey) env.KAIROS_OPENAI_API_KEY = apiKey;
      if (embedding.endpoint) env.KAIROS_OPENAI_BASE_URL = embedding.endpoint;
      break;
    case 'azure':
      if (apiKey) env.AZURE_OPENAI_API_KEY = apiKey;
      if (embedding.endpoint) env.AZURE_OPENAI_ENDPOINT = embedding.endpoint;
      if (embedding.deployment) env.AZURE_OPENAI_DEPLOYMENT = embedding.deployment;
      break;
    case 'cohere':
      if (apiKey) env.KAIROS_COHERE_API_KEY = apiKey;
      if (embedding.endpoint) env.KAIROS_COHERE_BASE_URL = embedding.endpoint;
      break;
    case 'local':
      break;
  }
  return env;
}
