import { afterEach, describe, expect, it } from 'vitest';
import * as embedders from '../../src/extension/embedders.js';
import { probeFactory, testKey } from '../../src/extension/keyTest.js';
import { json, loopback } from './loopback.js';

const KEY = 'sk-test-0123456789abcdefghij';
let server: Awaited<ReturnType<typeof loopback>> | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const factory = probeFactory(async () => embedders);

describe('Test Embedding API Key', () => {
  it('makes one embedding call with the key against the configured OpenAI-compatible base URL', async () => {
    server = await loopback((req, res) => {
      // OpenAI's wire format: floats, or base64 little-endian float32 when the client asks for it.
      const floats = [0.1, 0.2, 0.3];
      const base64 = (JSON.parse(req.body) as { encoding_format?: string }).encoding_format === 'base64';
      const embedding = base64 ? Buffer.from(new Float32Array(floats).buffer).toString('base64') : floats;
      json(res, 200, {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding }],
        model: 'custom-embed',
        usage: { prompt_tokens: 3, total_tokens: 3 },
      });
    });
    const result = await testKey('openai', KEY, { provider: 'openai', endpoint: `${server.url}/v1`, model: 'custom-embed' }, factory);
    expect(result.ok).toBe(true);
    expect(result.message).toMatch(/custom-embed returned a 3-dimension vector/);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.url).toBe('/v1/embeddings');
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("shows the provider's message on a rejected key without echoing the key", async () => {
    server = await loopback((_req, res) =>
      json(res, 401, {
        error: {
          message: `Incorrect API key provided: ${KEY}. You can find your API key at https://platform.openai.com.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      }),
    );
    const result = await testKey('openai', KEY, { provider: 'openai', endpoint: `${server.url}/v1` }, factory);
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/key|401|rejected/i);
    expect(result.message).not.toContain(KEY);
  });

  it('asks for the Azure endpoint and deployment before calling anything', async () => {
    const result = await testKey('azure', KEY, { provider: 'azure' }, factory);
    expect(result).toEqual({ ok: false, message: 'Azure OpenAI needs kairos.embedding.endpoint and kairos.embedding.deployment.' });
  });
});
