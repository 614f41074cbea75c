import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KairosClient } from '../../src/extension/client.js';
import { hashEmbedder, removeHome, startTestServer, type TestServer } from '../server/helpers.js';
import { json, loopback } from './loopback.js';

describe('"Delete All My Data" (KairosClient.deleteAllData)', () => {
  let s: TestServer;
  let client: KairosClient;
  beforeAll(async () => {
    s = await startTestServer(undefined, {}, { embedder: hashEmbedder });
    // As a window does: its own bearer, registered with the data dir token.
    const token = randomBytes(32).toString('base64url');
    expect((await s.api('POST', '/v1/clients', { body: { id: 'window', token } })).status).toBe(201);
    client = new KairosClient(async () => ({ baseUrl: s.url, token }));
  });
  afterAll(async () => {
    await s?.close();
    if (s) await removeHome(s.home);
  });

  it('deletes every local memory in one request and reports how many', async () => {
    await client.create({ text: 'The release branch is cut on Thursdays' });
    await client.create({ text: 'Feature flags live in config/flags.yaml' });
    expect(await client.deleteAllData('local')).toEqual({ memories: 2, spaces: ['kairos_user_local'] });
    expect((await client.spaces())[0]?.count).toBe(0);
    expect((await client.create({ text: 'The release branch is cut on Thursdays' })).outcome).toBe('created');
  });

  it("calls the service's GDPR account delete in remote mode", async () => {
    const service = await loopback((req, res) =>
      req.method === 'DELETE' && req.url === '/v1/me'
        ? json(res, 200, { deleted: true, deletedSpaces: ['kairos_user_u1'] })
        : json(res, 404, { error: { code: 'not_found', message: 'no' } }),
    );
    try {
      const remote = new KairosClient(async () => ({ baseUrl: service.url, token: 'gho_session' }));
      expect(await remote.deleteAllData('remote')).toEqual({ spaces: ['kairos_user_u1'] });
      expect(service.requests.map((r) => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual(['DELETE /v1/me Bearer gho_session']);
    } finally {
      await service.close();
    }
  });
});
