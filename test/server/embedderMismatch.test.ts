import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedder } from '../../src/embeddings/index.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openaiServer.js';
import { exportAll, removeHome, startTestServer, tempHome } from './helpers.js';

let fake: FakeOpenAI;
let home: string;

beforeAll(async () => {
  fake = await startFakeOpenAI({ apiKey: 'sk-test-mismatch-key' });
  home = await tempHome();
});

afterAll(async () => {
  await fake?.close();
  if (home) await removeHome(home);
});

function openaiEmbedder() {
  return openEmbedder({ provider: 'openai', apiKey: 'sk-test-mismatch-key', baseURL: fake.baseURL, model: 'text-embedding-3-small' });
}

describe('embedder mismatch', () => {
  it('answers 409 with the reembed hint when a space made with one embedder is opened with another, and reembed fixes it', async () => {
    const first = await startTestServer(home, {}, { embedder: await openaiEmbedder() });
    let id: string;
    try {
      const r = await first.api('POST', '/v1/memories', { body: { text: 'Embedded by the OpenAI-compatible fake' } });
      expect(r.status).toBe(201);
      id = r.json.memory.id;
    } finally {
      await first.close();
    }

    const second = await startTestServer(home);
    try {
      const before = await exportAll(second);
      for (const [method, path, body] of [
        ['POST', '/v1/memories', { text: 'Written with the local embedder' }],
        ['POST', '/v1/search', { query: 'fake' }],
        ['PATCH', `/v1/memories/${id}`, { text: 'changed' }],
      ] as const) {
        const r = await second.api(method, path, { body });
        expect(r.status, path).toBe(409);
        expect(r.json.error.code).toBe('embedder_mismatch');
        expect(r.json.error.message).toContain('kairos reembed --space kairos_user_local');
        expect(r.json.error.message).toContain('openai/text-embedding-3-small');
      }
      expect(await exportAll(second)).toEqual(before);

      const re = await second.api('POST', '/v1/reembed');
      expect(re.status).toBe(200);
      const lines = re.text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      expect(lines[0]).toEqual({ progress: { done: 0, total: 1 } });
      expect(lines.at(-1)).toEqual({ result: { space: 'kairos_user_local', reembedded: 1, embedder: expect.objectContaining({ provider: 'local' }) } });

      const found = await second.api('POST', '/v1/search', { body: { query: 'OpenAI-compatible fake' } });
      expect(found.status).toBe(200);
      expect(found.json.items[0].memory.id).toBe(id);
      expect((await second.api('POST', '/v1/reembed')).text).toContain('"reembedded":0');
    } finally {
      await second.close();
    }
  });

  it('switches the embedder through PUT /v1/settings, after which old spaces answer 409 until re-embedded', async () => {
    const h = await tempHome();
    process.env.KAIROS_OPENAI_API_KEY = 'sk-test-mismatch-key';
    const s = await startTestServer(h);
    try {
      expect((await s.api('POST', '/v1/memories', { body: { text: 'Stored with the local model first' } })).status).toBe(201);
      const put = await s.api('PUT', '/v1/settings', { body: { embedder: { provider: 'openai', endpoint: fake.baseURL, model: 'text-embedding-3-small' } } });
      expect(put.status, put.text).toBe(200);
      expect(put.json.embedder).toEqual({ provider: 'openai', model: 'text-embedding-3-small', dimension: 1536 });
      const r = await s.api('POST', '/v1/search', { body: { query: 'local model' } });
      expect(r.status).toBe(409);
      expect(r.json.error.message).toContain('kairos reembed');
      expect((await s.api('POST', '/v1/reembed')).status).toBe(200);
      expect((await s.api('POST', '/v1/search', { body: { query: 'local model' } })).json.items).toHaveLength(1);
    } finally {
      delete process.env.KAIROS_OPENAI_API_KEY;
      await s.close();
      await removeHome(h);
    }
  });
});
