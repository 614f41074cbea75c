/**
 * Org BYOK: an org owner sets one embedding key for the org space; every member then writes and
 * searches that space with it (so they share vectors), while personal spaces keep each member's
 * own key. Only owners may set or clear it, non-members learn nothing, and no route returns it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userSpace } from '../../src/core/memory.js';
import { BACKENDS, startServiceWorld, type ServiceWorld } from './harness.js';

describe.each(BACKENDS)('org embedding keys on $name', (backend) => {
  let w: ServiceWorld;
  const t = { alice: '', bob: '', dan: '', mallory: '' };
  let oid = '';
  let space = '';
  const orgKey = 'sk-org-platform-000000000000oooo';
  const aliceKey = 'sk-alice-00000000000000000aaaa';
  const bobKey = 'sk-bob-000000000000000000bbbb';
  const path = () => `/v1/orgs/${oid}/settings/embedder-key`;
  const keysUsed = () => new Set(w.openai.embeddingRequests().map((r) => r.headers.authorization));
  const body = (apiKey: string, model: string) => ({ provider: 'openai', apiKey, model, endpoint: w.openai.baseURL });

  beforeAll(async () => {
    w = await startServiceWorld(backend);
    t.alice = w.githubUser(4001, 'alice');
    t.bob = w.githubUser(4002, 'bob');
    t.dan = w.githubUser(4003, 'dan');
    t.mallory = w.githubUser(4004, 'mallory');
    expect((await w.api('PUT', '/v1/settings/embedder-key', t.alice, { body: body(aliceKey, 'text-embedding-3-small') })).status).toBe(200);
    expect((await w.api('PUT', '/v1/settings/embedder-key', t.bob, { body: body(bobKey, 'text-embedding-3-small') })).status).toBe(200);
    ({ oid, space } = (await w.api('POST', '/v1/orgs', t.alice, { body: { name: 'Platform' } })).json);
    for (const [token, role] of [
      [t.bob, 'writer'],
      [t.dan, 'writer'],
    ] as const) {
      const { code } = (await w.api('POST', `/v1/orgs/${oid}/invites`, t.alice, { body: { role } })).json;
      expect((await w.api('POST', '/v1/orgs/join', token, { body: { code } })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await w?.close();
  });

  it('lets only an owner set the org key, hides it from non-members, and never returns the key', async () => {
    const before = await w.api('GET', path(), t.bob);
    expect(before.status).toBe(200);
    expect(before.json).toEqual({ embedderKey: null });

    expect((await w.api('PUT', path(), t.bob, { body: body(orgKey, 'text-embedding-3-large') })).status).toBe(403);
    expect((await w.api('PUT', path(), t.mallory, { body: body(orgKey, 'text-embedding-3-large') })).status).toBe(404);
    expect((await w.api('GET', path(), t.mallory)).status).toBe(404);
    expect((await w.api('DELETE', path(), t.mallory)).status).toBe(404);
    expect((await w.api('GET', path(), t.bob)).json).toEqual({ embedderKey: null });

    const put = await w.api('PUT', path(), t.alice, { body: body(orgKey, 'text-embedding-3-large') });
    expect(put.status).toBe(200);
    expect(put.json.embedderKey).toMatchObject({ provider: 'openai', model: 'text-embedding-3-large', keyLast4: 'oooo' });
    expect(put.text).not.toContain(orgKey);

    const seen = await w.api('GET', path(), t.bob);
    expect(seen.json.embedderKey).toMatchObject({ model: 'text-embedding-3-large', keyLast4: 'oooo' });
    for (const [token, p] of [
      [t.bob, path()],
      [t.bob, '/v1/me'],
      [t.bob, '/v1/spaces'],
      [t.alice, '/v1/me/export'],
      [t.alice, '/v1/orgs'],
    ] as const) {
      const r = await w.api('GET', p, token);
      expect(r.status, p).toBe(200);
      expect(r.text, p).not.toContain(orgKey);
    }
    expect((await w.api('PUT', path(), t.alice, { body: { ...body(orgKey, 'x'), apiKey: 'short' } })).status).toBe(400);
  });

  it("writes and searches the org space with the org's key, and personal spaces with each member's own", async () => {
    w.openai.reset();
    expect((await w.api('POST', '/v1/memories', t.bob, { body: { text: 'Releases are cut from the main branch on Tuesdays.', space } })).status).toBe(201);
    expect(keysUsed()).toEqual(new Set([`Bearer ${orgKey}`]));
    const info = await w.server.runtime.store.getCollection(space);
    expect(info?.embedder).toMatchObject({ provider: 'openai', model: 'text-embedding-3-large' });

    w.openai.reset();
    expect((await w.api('POST', '/v1/memories', t.bob, { body: { text: 'Bob keeps his dotfiles in a bare git repo.' } })).status).toBe(201);
    expect(keysUsed()).toEqual(new Set([`Bearer ${bobKey}`]));

    // Dan has no key of his own, yet reads and writes the org space with the org's key.
    expect((await w.api('POST', '/v1/memories', t.dan, { body: { text: 'The on-call rota lives in PagerDuty.', space } })).status).toBe(201);
    const danHits = await w.api('POST', '/v1/search', t.dan, { body: { query: 'when are releases cut', spaces: [space] } });
    expect(danHits.status).toBe(200);
    expect(danHits.json.items[0].memory.text).toBe('Releases are cut from the main branch on Tuesdays.');
    expect((await w.api('POST', '/v1/memories', t.dan, { body: { text: 'Dan personal note.' } })).status).toBe(424);

    // One search over Alice's personal space (her key, small model) and the org (org key, large model).
    await w.api('POST', '/v1/memories', t.alice, { body: { text: 'Alice cuts her own releases on Fridays.' } });
    w.openai.reset();
    const aliceUid = (await w.api('GET', '/v1/me', t.alice)).json.principal.uid as string;
    const both = await w.api('POST', '/v1/search', t.alice, { body: { query: 'releases', spaces: [userSpace(aliceUid), space] } });
    expect(both.status).toBe(200);
    expect(both.json.items.map((h: { spaceLabel: string }) => h.spaceLabel)).toEqual(expect.arrayContaining(['Personal', 'Platform']));
    expect(keysUsed()).toEqual(new Set([`Bearer ${aliceKey}`, `Bearer ${orgKey}`]));
  });

  it('lets the owner clear the org key, after which members fall back to their own key', async () => {
    expect((await w.api('DELETE', path(), t.bob)).status).toBe(403);
    expect((await w.api('DELETE', path(), t.alice)).json).toEqual({ embedderKey: null });
    expect((await w.api('DELETE', path(), t.alice)).status).toBe(404);
    expect((await w.api('GET', path(), t.alice)).json).toEqual({ embedderKey: null });
    // The space was embedded with the org's model; Bob's own model does not match it.
    const r = await w.api('POST', '/v1/memories', t.bob, { body: { text: 'After the org key was cleared.', space } });
    expect(r.json.error.code).toBe('embedder_mismatch');
  });

  it('audits setting and clearing the org key without key material', async () => {
    const { rows } = await w.server.runtime.db.query<{ event: string; target: string | null }>(
      "SELECT event, target FROM audit_log WHERE event LIKE 'settings.embedder_key%' AND target = $1",
      [oid],
    );
    expect(rows.map((r) => r.event)).toEqual(['settings.embedder_key_set', 'settings.embedder_key_cleared']);
    const all = await w.server.runtime.db.query('SELECT * FROM audit_log');
    expect(JSON.stringify(all.rows)).not.toContain('sk-');
  });
});
