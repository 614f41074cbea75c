/** Azure OpenAI embeddings through the `openai` package's AzureOpenAI client. */
import { loadOpenAISdk, openAIClientEmbedder } from './openai.js';
import { displayUrl, forRuntime, onFirstUse } from './remote.js';
import type { HostedEmbedderOptions, ProbingEmbedder } from './remote.js';
import { resolveRetryPolicy } from './retry.js';
import type { ProviderDescription } from './retry.js';

/** A current GA data-plane API version that supports `dimensions`. */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

/** Batches of 128 by default. */
export interface AzureEmbedderOptions extends HostedEmbedderOptions {
  /** The resource endpoint, e.g. https://my-resource.openai.azure.com */
  endpoint: string;
  /** The deployment name chosen in the Azure portal (not necessarily the model name). */
  deployment: string;
  apiVersion?: string | undefined;
  /**
   * The model behind the deployment, e.g. text-embedding-3-small: it names the vector space
   * and gives the default dimension. Defaults to the deployment name.
   */
  model?: string | undefined;
}

/**
 * Creates an Azure OpenAI embedder. Dimension rules are OpenAI's (see createOpenAIEmbedder),
 * keyed by `model`.
 */
export function createAzureEmbedder(opts: AzureEmbedderOptions): ProbingEmbedder {
  const model = opts.model ?? opts.deployment;
  const apiVersion = opts.apiVersion ?? AZURE_DEFAULT_API_VERSION;
  const endpoint = opts.endpoint.replace(/\/+$/, '').replace(/\/openai$/, '');
  const policy = resolveRetryPolicy(opts.retry);
  const client = onFirstUse(
    async () =>
      new (await loadOpenAISdk()).AzureOpenAI({
        apiKey: opts.apiKey,
        // baseURL rather than `endpoint`: the client would otherwise also read OPENAI_BASE_URL from
        // the environment and refuse the pair as mutually exclusive.
        baseURL: `${endpoint}/openai`,
        deployment: opts.deployment,
        apiVersion,
        maxRetries: 0, // retry.ts is the only retry policy
        timeout: policy.timeoutMs * 2,
        organization: null,
        project: null,
        ...(opts.runtime ? { fetch: opts.runtime.fetch } : {}),
      }),
  );
  const where = displayUrl(endpoint);
  const provider: ProviderDescription = {
    name: 'Azure OpenAI',
    keySource: 'the AZURE_OPENAI_API_KEY environment variable (the key is under "Keys and Endpoint" of the resource)',
    target: where,
    secrets: [opts.apiKey],
    notFound: (said) =>
      `Azure OpenAI found no deployment "${opts.deployment}" at ${where} (${said}). Check the deployment name in ` +
      `the Azure portal (the resource's Deployments, or Azure AI Foundry) and set AZURE_OPENAI_DEPLOYMENT to it; ` +
      `also check the endpoint and API version ${apiVersion}. A deployment created minutes ago may not be ready yet.`,
  };
  return openAIClientEmbedder('azure', client, model, { ...opts, policy }, forRuntime(provider, opts.runtime));
}
