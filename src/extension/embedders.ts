/**
 * The provider embedders used by "Test Embedding API Key", bundled separately
 * (dist/embedders.cjs) and loaded on first use: their client libraries are most of the
 * extension's weight and activation should not parse them.
 */
export { createOpenAIEmbedder } from '../embeddings/openai.js';
export { createAzureEmbedder } from '../embeddings/azure.js';
export { createCohereEmbedder } from '../embeddings/cohere.js';
