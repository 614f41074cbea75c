/**
 * Code-aware memory in service mode: anchors, staleness, file recall and "still true" are plain
 * memory data, stored and filtered per tenant like everything else. Alice's anchored memories are
 * hers (and her org's readers see the org's); nobody else can read, check or verify them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startServiceWorld, type ServiceWorld } from './harness.js';

const LINES = ['export function authenticate(req) {', '  return verifyJwt(req.headers.authorization);', '}'];
const REPO = 'git@github.com:Acme/Shop.git';
const anchor = { repo: REPO, path: 'src/auth.ts', startLine: 10, endLine: 12, commit: 'a1b2c3d', lines: LINES };

describe('code anchors in service mode', () => {
  let w: ServiceWorld;
  const t = { alice: '', bob: '' };
  let orgSpace = '';
  let mine = '';
  let orgs = '';

  const ok = async (method: string, path: string, token: string, body?: unknown): Promise<any> => {
    const r = await w.api(method, path, token, body === undefined ? {} : { body });
    expect(r.status, r.text).toBeLessThan(300);
    return r.json;
  };

  beforeAll(async () => {
    w = await startServiceWorld(BACKENDS[0]!);
    t.alice = w.githubUser(5001, 'alice');
    t.bob = w.githubUser(5002, 'bob');
    for (const [who, token] of Object.entries(t)) {
      await ok('PUT', '/v1/settings/embedder-key', token, {
        provider: 'openai',
        apiKey: `sk-${who}-key-000000000000`,
        model: 'text-embedding-3-small',
        endpoint: w.openai.baseURL,
      });
    }
    const org = await ok('POST', '/v1/orgs', t.alice, { name: 'Acme' });
    orgSpace = org.space;
    const invite = await ok('POST', `/v1/orgs/${org.oid}/invites`, t.alice, { role: 'reader' });
    await ok('POST', '/v1/orgs/join', t.bob, { code: invite.code });
    mine = (await ok('POST', '/v1/memories', t.alice, { text: 'Auth checks the bearer token with verifyJwt first.', source: { kind: 'editor', anchor } }))
      .memory.id;
    orgs = (
      await ok('POST', '/v1/memories', t.alice, {
        space: orgSpace,
        text: 'The team agreed: verifyJwt runs before every route.',
        source: { kind: 'editor', anchor },
      })
    ).memory.id;
  }, 120_000);

  afterAll(async () => {
    await w?.close();
  });

  it('turns the owner\'s memory stale, lists and searches it as stale, and "still true" clears it', async () => {
    const stale = await ok('POST', `/v1/memories/${mine}/anchor-check`, t.alice, { check: { state: 'stale', reason: 'changed' }, commit: 'f00ba47' });
    expect(stale.source.anchor.status).toMatchObject({ state: 'stale', reason: 'changed', commit: 'f00ba47' });
    expect((await ok('GET', '/v1/memories?stale=true', t.alice)).items.map((m: any) => m.id)).toEqual([mine]);
    const forFile = await ok('GET', `/v1/memories/for-file?path=src/auth.ts&repo=${encodeURIComponent(REPO)}`, t.alice);
    expect(forFile.items.map((i: any) => [i.match, i.memory.id])).toContainEqual(['file', mine]);
    const hits = await ok('POST', '/v1/search', t.alice, { query: 'verifyJwt bearer token', context: { repo: REPO, paths: ['src/auth.ts'] } });
    const hit = hits.items.find((h: any) => h.memory.id === mine);
    expect(hit?.memory.source.anchor.status).toMatchObject({ state: 'stale', reason: 'changed' });
    const verified = await ok('POST', `/v1/memories/${mine}/verify`, t.alice, { commit: 'f00ba47' });
    expect(verified.source.anchor.status.state).toBe('fresh');
    expect((await ok('GET', '/v1/memories?stale=true', t.alice)).items).toEqual([]);
  });

  it("never shows, checks or verifies another tenant's anchored memory", async () => {
    expect((await ok('GET', '/v1/memories?stale=false', t.bob)).items).toEqual([]);
    expect((await ok('GET', `/v1/memories/for-file?path=src/auth.ts&repo=${encodeURIComponent(REPO)}`, t.bob)).items).toEqual([]);
    for (const path of [`/v1/memories/${mine}/anchor-check`, `/v1/memories/${mine}/verify`]) {
      const r = await w.api('POST', path, t.bob, { body: path.endsWith('verify') ? {} : { check: { state: 'stale', reason: 'deleted' } } });
      expect(r.status, r.text).toBe(404);
    }
    expect((await ok('GET', `/v1/memories/${mine}`, t.alice)).source.anchor.status.state).toBe('fresh');
  });

  it("shows an org's stale memory to a reader, who may not mark it", async () => {
    await ok('POST', `/v1/memories/${orgs}/anchor-check?space=${orgSpace}`, t.alice, { check: { state: 'stale', reason: 'deleted' } });
    const seen = await ok('GET', `/v1/memories?stale=true&space=${orgSpace}`, t.bob);
    expect(seen.items.map((m: any) => [m.id, m.source.anchor.status.reason])).toEqual([[orgs, 'deleted']]);
    const r = await w.api('POST', `/v1/memories/${orgs}/verify?space=${orgSpace}`, t.bob, { body: {} });
    expect(r.status, r.text).toBe(403);
    expect((await ok('GET', `/v1/memories/${orgs}?space=${orgSpace}`, t.alice)).source.anchor.status.state).toBe('stale');
  });
});
