import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userSpace } from '../../src/core/memory.js';
import { IDENTITY_TABLES } from '../../src/identity/migrations.js';
import { BACKENDS, startServiceWorld, type ServiceWorld } from './harness.js';
import { connectMcp, toolText } from './mcpClient.js';

describe.each(BACKENDS)('service mode on $name', (backend) => {
  let w: ServiceWorld;
  let alice: string;
  let bob: string;
  const aliceKey = 'sk-alice-0000000000000000aaaa';
  const bobKey = 'sk-bob-00000000000000000000bbbb';

  const setKey = (token: string, apiKey: string) =>
    w.api('PUT', '/v1/settings/embedder-key', token, { body: { provider: 'openai', apiKey, model: 'text-embedding-3-small', endpoint: w.openai.baseURL } });

  beforeAll(async () => {
    w = await startServiceWorld(backend);
    alice = w.githubUser(1001, 'alice');
    bob = w.githubUser(1002, 'bob');
  });
  afterAll(async () => {
    await w?.close();
  });

  it('creates a user on the first sign-in of a channel and finds the same one later', async () => {
    const first = await w.api('GET', '/v1/me', alice);
    expect(first.status).toBe(200);
    const uid = first.json.principal.uid as string;
    expect(first.json.spaces).toEqual([{ space: userSpace(uid), role: 'owner', label: 'Personal', kind: 'personal' }]);
    expect((await w.api('GET', '/v1/me', alice)).json.principal.uid).toBe(uid);
    expect((await w.api('GET', '/v1/me', bob)).json.principal.uid).not.toBe(uid);
  });

  it('tells a user without an embedding key how to set one, and still lets them list', async () => {
    const r = await w.api('POST', '/v1/memories', alice, { body: { text: 'We deploy on Fridays.' } });
    expect(r.status).toBe(424);
    expect(r.json.error.code).toBe('embedder_auth');
    expect(r.json.error.message).toContain('PUT /v1/settings/embedder-key');
    expect((await w.api('GET', '/v1/memories', alice)).json).toEqual({ items: [] });
    // No made-up embedder: the settings say none until a key is saved, and the deployment has none of its own.
    expect((await w.api('GET', '/v1/settings', alice)).json).toEqual({ mode: 'remote' });
    const health = await w.api('GET', '/v1/healthz', alice);
    expect(health.json).toMatchObject({ status: 'ok', store: expect.any(String) });
    expect(health.json).not.toHaveProperty('embedder');
  });

  it("embeds each tenant's memories with that tenant's own key and never returns the key", async () => {
    const put = await setKey(alice, aliceKey);
    expect(put.status).toBe(200);
    expect(put.json.embedderKey).toMatchObject({ provider: 'openai', model: 'text-embedding-3-small', keyLast4: 'aaaa' });
    expect(put.text).not.toContain(aliceKey);
    expect((await w.api('GET', '/v1/settings/embedder-key', alice)).text).not.toContain(aliceKey);
    expect((await setKey(bob, bobKey)).status).toBe(200);
    expect((await w.api('GET', '/v1/settings', alice)).json).toEqual({
      mode: 'remote',
      embedder: { provider: 'openai', model: 'text-embedding-3-small', dimension: expect.any(Number) },
    });

    w.openai.reset();
    expect((await w.api('POST', '/v1/memories', alice, { body: { text: 'Alice builds with pnpm and vite.' } })).status).toBe(201);
    expect(w.openai.embeddingRequests().every((r) => r.headers.authorization === `Bearer ${aliceKey}`)).toBe(true);
    w.openai.reset();
    expect((await w.api('POST', '/v1/memories', bob, { body: { text: 'Bob builds with gradle.' } })).status).toBe(201);
    expect(w.openai.embeddingRequests().length).toBeGreaterThan(0);
    expect(w.openai.embeddingRequests().every((r) => r.headers.authorization === `Bearer ${bobKey}`)).toBe(true);

    const hits = await w.api('POST', '/v1/search', alice, { body: { query: 'how do we build' } });
    expect(hits.json.items.map((h: { memory: { text: string } }) => h.memory.text)).toEqual(['Alice builds with pnpm and vite.']);
  });

  it('refuses an embedding key the provider rejects, without storing it', async () => {
    w.openai.failNext('unauthorized');
    const r = await setKey(alice, 'sk-wrong-key-000000000000');
    expect(r.status).toBe(424);
    expect((await w.api('GET', '/v1/settings/embedder-key', alice)).json.embedderKey.keyLast4).toBe('aaaa');
  });

  it('issues API keys once, limits them to their scopes and stops them when revoked', async () => {
    const created = await w.api('POST', '/v1/keys', alice, { body: { name: 'ci', scopes: ['read'] } });
    expect(created.status).toBe(201);
    const key = created.json.key as string;
    expect(key).toMatch(/^kairos_sk_/);
    const listed = await w.api('GET', '/v1/keys', alice);
    expect(listed.text).not.toContain(key);
    expect(listed.json.items[0]).toMatchObject({ id: created.json.id, prefix: key.slice(0, 18), scopes: ['read'] });

    expect((await w.api('GET', '/v1/memories', key)).status).toBe(200);
    expect((await w.api('POST', '/v1/memories', key, { body: { text: 'read-only keys cannot write' } })).status).toBe(403);
    expect((await w.api('POST', '/v1/keys', key, { body: { name: 'escalate', scopes: ['admin'] } })).status).toBe(403);
    expect((await w.api('GET', '/v1/keys', alice)).json.items[0].lastUsedAt).not.toBeNull();

    expect((await w.api('DELETE', `/v1/keys/${created.json.id}`, alice)).status).toBe(200);
    expect((await w.api('GET', '/v1/memories', key)).status).toBe(401);
  });

  it('links an OIDC sign-in to an existing account with a one-time code', async () => {
    const aliceUid = (await w.api('GET', '/v1/me', alice)).json.principal.uid;
    const jwt = await w.issuer.sign({ sub: 'alice@corp', aud: w.audience });
    const before = (await w.api('GET', '/v1/me', jwt)).json.principal.uid;
    expect(before).not.toBe(aliceUid);

    const { code } = (await w.api('POST', '/v1/link/code', alice)).json;
    const redeemed = await w.api('POST', '/v1/link/redeem', jwt, { body: { code } });
    expect(redeemed.status).toBe(200);
    expect((await w.api('GET', '/v1/me', jwt)).json.principal.uid).toBe(aliceUid);
    expect((await w.api('POST', '/v1/link/redeem', jwt, { body: { code } })).status).toBe(404);

    const channels = (await w.api('GET', '/v1/link/channels', alice)).json.items;
    expect(channels).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'github', uid: '1001', createdAt: expect.any(String) }),
        expect.objectContaining({ type: 'oidc', uid: `${w.issuer.issuer}:alice@corp` }),
      ]),
    );
    const unlink = await w.api('DELETE', `/v1/link/channels/oidc/${encodeURIComponent(`${w.issuer.issuer}:alice@corp`)}`, alice);
    expect(unlink.status).toBe(200);
    expect((await w.api('GET', '/v1/me', jwt)).json.principal.uid).not.toBe(aliceUid);
  });

  it('asks before linking a sign-in that holds memories, then merges them into the linked account', async () => {
    const erin = w.githubUser(1005, 'erin');
    const erinUid = (await w.api('GET', '/v1/me', erin)).json.principal.uid;
    await setKey(erin, 'sk-erin-0000000000000000eeee');
    expect((await w.api('POST', '/v1/memories', erin, { body: { text: 'Erin: the API gateway times out after 29 seconds.' } })).status).toBe(201);

    const { code } = (await w.api('POST', '/v1/link/code', alice)).json;
    const ask = await w.api('POST', '/v1/link/redeem', erin, { body: { code } });
    expect(ask.status).toBe(409);
    expect(ask.json.error.message).toContain('holds 1 memories');
    const done = await w.api('POST', '/v1/link/redeem', erin, { body: { code, merge: true } });
    expect(done.status).toBe(200);
    expect(done.json.merged).toMatchObject({ created: 1, failed: 0 });

    expect((await w.api('GET', '/v1/me', erin)).json.principal.uid).toBe((await w.api('GET', '/v1/me', alice)).json.principal.uid);
    const hits = await w.api('POST', '/v1/search', alice, { body: { query: 'gateway timeout' } });
    expect(hits.json.items.map((h: { memory: { text: string } }) => h.memory.text)).toContain('Erin: the API gateway times out after 29 seconds.');
    const collections = (await w.server.runtime.store.listCollections()).map((c) => c.name);
    expect(collections).not.toContain(userSpace(erinUid));
    // The emptied account had no other way in, so it is gone.
    expect((await w.server.runtime.db.query('SELECT 1 FROM users WHERE uid = $1', [erinUid])).rows).toHaveLength(0);
    const unlink = await w.api('DELETE', '/v1/link/channels/github/1005', alice);
    expect(unlink.status).toBe(200);
  });

  it('shares an org space with invited members by role and labels search hits by space', async () => {
    const org = await w.api('POST', '/v1/orgs', alice, { body: { name: 'Platform team' } });
    expect(org.status).toBe(201);
    const { oid, space } = org.json;
    const invite = await w.api('POST', `/v1/orgs/${oid}/invites`, alice, { body: { role: 'writer' } });
    expect((await w.api('POST', '/v1/orgs/join', bob, { body: { code: invite.json.code } })).json).toMatchObject({ oid, role: 'writer' });
    expect((await w.api('POST', '/v1/orgs/join', bob, { body: { code: invite.json.code } })).status).toBe(404);

    // Bob has his own key; the org space is created with his embedder, which is the same model as Alice's.
    expect((await w.api('POST', '/v1/memories', bob, { body: { text: 'The platform team builds releases with bazel.', space } })).status).toBe(201);
    const hits = await w.api('POST', '/v1/search', alice, {
      body: { query: 'builds', spaces: [userSpace((await w.api('GET', '/v1/me', alice)).json.principal.uid), space] },
    });
    const labels = hits.json.items.map((h: { spaceLabel: string }) => h.spaceLabel);
    expect(labels).toEqual(expect.arrayContaining(['Personal', 'Platform team']));

    const carol = w.githubUser(1003, 'carol');
    const readerInvite = await w.api('POST', `/v1/orgs/${oid}/invites`, alice, { body: { role: 'reader' } });
    expect((await w.api('POST', '/v1/orgs/join', carol, { body: { code: readerInvite.json.code } })).status).toBe(200);
    expect((await w.api('GET', `/v1/memories?space=${space}`, carol)).json.items).toHaveLength(1);
    expect((await w.api('POST', '/v1/memories', carol, { body: { text: 'readers cannot write', space } })).status).toBe(403);

    const carolUid = (await w.api('GET', '/v1/me', carol)).json.principal.uid;
    expect((await w.api('DELETE', `/v1/orgs/${oid}/members/${carolUid}`, bob)).status).toBe(403);
    expect((await w.api('DELETE', `/v1/orgs/${oid}/members/${carolUid}`, alice)).status).toBe(200);
    expect((await w.api('GET', `/v1/memories?space=${space}`, carol)).status).toBe(403);
    expect((await w.api('POST', `/v1/orgs/${oid}/leave`, bob)).json).toEqual({ deletedOrg: false });
    expect((await w.api('POST', `/v1/orgs/${oid}/leave`, alice)).status).toBe(200);
  });

  it('protects /mcp per RFC 9728 and serves the link_account tool', async () => {
    const anon = await w.api('POST', '/mcp', null, { body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${w.url}/.well-known/oauth-protected-resource"`);
    const meta = await w.api('GET', '/.well-known/oauth-protected-resource', null);
    expect(meta.json).toMatchObject({ resource: `${w.url}/mcp`, authorization_servers: [w.url, 'https://auth.example.test'] });
    const bad = await w.api('POST', '/mcp', 'gho_not_a_real_token', { body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    expect(bad.status).toBe(401);

    const noScope = await w.issuer.sign({ sub: 'scopeless', aud: w.audience, scope: 'openid profile' });
    const forbidden = await w.api('POST', '/mcp', noScope, { body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toContain('error="insufficient_scope"');

    const mcp = await connectMcp(w.url, alice);
    try {
      const created = await mcp.call('link_account', { action: 'create_code' });
      expect(created.isError).toBeFalsy();
      const code = (created.structuredContent as { code: string }).code;
      const jwt = await w.issuer.sign({ sub: 'alice-mcp', aud: w.audience });
      const other = await connectMcp(w.url, jwt);
      try {
        expect((await other.call('link_account', { action: 'redeem', code })).isError).toBeFalsy();
        const again = await other.call('link_account', { action: 'redeem', code });
        expect(again.isError).toBe(true);
        expect(toolText(again)).toContain('unknown, already used or expired');
      } finally {
        await other.close();
      }
      const search = await mcp.call('search', { query: 'pnpm' });
      expect(search.isError).toBeFalsy();
    } finally {
      await mcp.close();
    }
  });

  it('exports everything about a user and then deletes it all, leaving only an anonymous audit record', async () => {
    const dave = w.githubUser(1004, 'dave');
    const uid = (await w.api('GET', '/v1/me', dave)).json.principal.uid as string;
    const daveKey = 'sk-dave-000000000000000000dddd';
    await setKey(dave, daveKey);
    await w.api('POST', '/v1/memories', dave, { body: { text: 'Dave prefers tabs.' } });
    const org = (await w.api('POST', '/v1/orgs', dave, { body: { name: 'Dave solo org' } })).json;
    await w.api('POST', '/v1/memories', dave, { body: { text: 'Solo org note.', space: org.space } });
    await w.api('POST', '/v1/keys', dave, { body: { name: 'k', scopes: ['read'] } });
    await w.api('POST', '/v1/link/code', dave);
    // The local engine's delete-all and client registration do not exist here (the export below still has the memory).
    expect((await w.api('DELETE', '/v1/me/data', dave)).status).toBe(404);
    expect((await w.api('POST', '/v1/clients', dave, { body: { id: 'w', token: 'x'.repeat(43) } })).status).toBe(404);

    const exported = await w.api('GET', '/v1/me/export', dave);
    expect(exported.status).toBe(200);
    expect(exported.json.memories.map((m: { text: string }) => m.text)).toEqual(['Dave prefers tabs.']);
    expect(exported.json.channels).toEqual([expect.objectContaining({ type: 'github', uid: '1004' })]);
    expect(exported.text).not.toContain(daveKey);

    const del = await w.api('DELETE', '/v1/me', dave);
    expect(del.status).toBe(200);
    expect(del.json.deletedSpaces).toEqual([userSpace(uid), org.space]);

    const db = w.server.runtime.db;
    for (const table of IDENTITY_TABLES) {
      const { rows } = await db.query(`SELECT * FROM ${table}`);
      const dump = JSON.stringify(rows);
      expect(dump, table).not.toContain(uid);
      expect(dump, table).not.toContain(org.oid);
      expect(dump, table).not.toContain('1004');
    }
    const collections = (await w.server.runtime.store.listCollections()).map((c) => c.name);
    expect(collections).not.toContain(userSpace(uid));
    expect(collections).not.toContain(org.space);
    const events = (
      await db.query<{ actor_uid: string | null; target: string | null }>("SELECT actor_uid, target FROM audit_log WHERE event = 'account.deleted'")
    ).rows;
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events.every((e) => e.actor_uid === null && e.target === null)).toBe(true);
  });

  it('audits key creation, linking and failed sign-ins without token material', async () => {
    const { rows } = await w.server.runtime.db.query<{ event: string; target: string | null }>('SELECT event, target FROM audit_log');
    const events = new Set(rows.map((r) => r.event));
    for (const e of ['key.created', 'key.revoked', 'link.code_created', 'link.redeemed', 'auth.failed', 'org.created', 'org.joined'])
      expect(events, e).toContain(e);
    expect(JSON.stringify(rows)).not.toMatch(/gho_|kairos_sk_|sk-/);
  });
});

describe('service mode rate limits', () => {
  it('answers 429 with Retry-After once a principal exceeds its requests per minute', async () => {
    const w = await startServiceWorld(BACKENDS[1]!, { KAIROS_RATE_LIMIT_PER_MINUTE: '5' });
    try {
      const t = w.githubUser(2001, 'busy');
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push((await w.api('GET', '/v1/me', t)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const r = await w.api('GET', '/v1/me', t);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const other = w.githubUser(2002, 'calm');
      expect((await w.api('GET', '/v1/me', other)).status).toBe(200);
    } finally {
      await w.close();
    }
  });
});
