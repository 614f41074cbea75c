/**
 * Code-aware memory through the real surfaces: REST as the editor uses it, MCP through the SDK
 * client as an agent uses it. Scope ranking and filters, anchors turning stale and back, moves,
 * file recall, provenance (client, version, repo) and the export/import round trip.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAll, removeHome, startTestServer, type TestServer } from './helpers.js';

let s: TestServer;

const AUTH_LINES = ['export function authenticate(req) {', '  const token = req.headers.authorization;', '  return verifyJwt(token);', '}'];
const REPO_A = 'git@github.com:Acme/Shop.git';
const REPO_B = 'https://github.com/acme/billing';

async function post(path: string, body: unknown): Promise<any> {
  const r = await s.api('POST', path, { body });
  expect(r.status, r.text).toBeLessThan(300);
  return r.json;
}

async function mcpClient(headers: Record<string, string> = {}, name = 'Visual Studio Code', version = '1.103.2'): Promise<Client> {
  const client = new Client({ name, version });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${s.token}`, ...headers } } }),
  );
  return client;
}

let anchored: any;
let billing: any;
let personal: any;

beforeAll(async () => {
  s = await startTestServer();
  anchored = (
    await post('/v1/memories', {
      text: 'Authentication checks the bearer token with verifyJwt before any route handler runs.',
      source: { kind: 'editor', anchor: { repo: REPO_A, path: 'src/auth.ts', startLine: 10, endLine: 13, commit: 'a1b2c3d', lines: AUTH_LINES } },
    })
  ).memory;
  billing = (
    await post('/v1/memories', {
      text: 'Authentication of billing webhooks checks the bearer token signature before handlers run.',
      source: { kind: 'editor', scope: { repo: REPO_B, paths: ['src/webhooks/'] } },
    })
  ).memory;
  personal = (await post('/v1/memories', { text: 'I prefer short authentication error messages that name the fix.' })).memory;
});

afterAll(async () => {
  await s?.close();
  if (s) await removeHome(s.home);
});

describe('scope', () => {
  it('stores portable repo ids and derived keys, never a caller fingerprint', async () => {
    expect(anchored.source.scope).toEqual({ repo: 'github.com/acme/shop', keys: ['f:src/auth.ts'] });
    expect(anchored.source.anchor).toMatchObject({
      repo: 'github.com/acme/shop',
      path: 'src/auth.ts',
      startLine: 10,
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(billing.source.scope).toEqual({ repo: 'github.com/acme/billing', paths: ['src/webhooks/'], keys: ['d:src/webhooks/'] });
  });

  it('ranks the context repo first, other repos lower, and repoOnly restricts', async () => {
    const query = 'how is the bearer token authentication checked';
    const inA = await post('/v1/search', { query, context: { repo: 'https://github.com/Acme/Shop' } });
    const inB = await post('/v1/search', { query, context: { repo: REPO_B } });
    const ids = (r: any) => r.items.map((h: any) => h.memory.id);
    expect(ids(inA).indexOf(anchored.id)).toBeLessThan(ids(inA).indexOf(billing.id));
    expect(ids(inB).indexOf(billing.id)).toBeLessThan(ids(inB).indexOf(anchored.id));
    const only = await post('/v1/search', { query, context: { repo: REPO_B }, repoOnly: true });
    expect(ids(only)).toEqual([billing.id]);
  });

  it('filters lists by repo and path, and answers "for this file" with file matches first, then the repo', async () => {
    const extra = (
      await post('/v1/memories', { text: 'The shop front end is deployed from the main branch only.', source: { kind: 'cli', scope: { repo: REPO_A } } })
    ).memory;
    const byPath = await s.api('GET', '/v1/memories?path=src/auth.ts');
    expect(byPath.json.items.map((m: any) => m.id)).toEqual([anchored.id]);
    const byDir = await s.api('GET', `/v1/memories?path=${encodeURIComponent('src/webhooks/stripe.ts')}`);
    expect(byDir.json.items.map((m: any) => m.id)).toEqual([billing.id]);
    const byRepo = await s.api('GET', `/v1/memories?repo=${encodeURIComponent('github.com/acme/shop')}`);
    expect(new Set(byRepo.json.items.map((m: any) => m.id))).toEqual(new Set([anchored.id, extra.id]));
    const forFile = await s.api('GET', `/v1/memories/for-file?path=src/auth.ts&repo=${encodeURIComponent(REPO_A)}`);
    expect(forFile.status).toBe(200);
    expect(forFile.json.items.map((i: any) => [i.match, i.memory.id])).toEqual([
      ['file', anchored.id],
      ['repo', extra.id],
    ]);
    await s.api('DELETE', `/v1/memories/${extra.id}`);
  });
});

describe('anchors', () => {
  it('a changed anchor turns the memory stale without a new version; agents see it, it ranks lower, "still true" clears it', async () => {
    const before = await s.api('GET', `/v1/memories/${anchored.id}`);
    const stale = await post(`/v1/memories/${anchored.id}/anchor-check`, { check: { state: 'stale', reason: 'changed' }, commit: 'f00ba47' });
    expect(stale.version).toBe(before.json.version);
    expect(stale.source.anchor.status).toMatchObject({ state: 'stale', reason: 'changed', commit: 'f00ba47', staleSince: expect.any(String) });
    expect((await s.api('GET', '/v1/memories?stale=true')).json.items.map((m: any) => m.id)).toEqual([anchored.id]);
    expect((await s.api('GET', `/v1/memories/${anchored.id}`)).json.history).toEqual([]);

    const client = await mcpClient();
    try {
      const r: any = await client.callTool({ name: 'search', arguments: { query: 'verifyJwt bearer token authentication' } });
      const hit = r.structuredContent.results.find((x: any) => x.id === anchored.id);
      expect(hit).toMatchObject({ stale: true, anchor: { path: 'src/auth.ts', startLine: 10, state: 'stale', reason: 'changed' } });
      expect(r.content[0].text).toContain('STALE: the anchored code (src/auth.ts:10) was changed');
      // The same query ranked it first while fresh (its words are the query's); stale, it falls below the billing note.
      const order = r.structuredContent.results.map((x: any) => x.id);
      expect(order.indexOf(anchored.id)).toBeGreaterThan(order.indexOf(billing.id));
    } finally {
      await client.close();
    }

    const verified = await post(`/v1/memories/${anchored.id}/verify`, { commit: 'f00ba47' });
    expect(verified.source.anchor.status).toMatchObject({ state: 'fresh', verifiedCommit: 'f00ba47' });
    expect((await s.api('GET', '/v1/memories?stale=true')).json.items).toEqual([]);
  });

  it('follows lines that moved, records the move and keeps the version', async () => {
    const moved = await post(`/v1/memories/${anchored.id}/anchor-check`, {
      check: { state: 'moved', path: 'src/security/auth.ts', startLine: 40, endLine: 43 },
    });
    expect(moved.source.anchor).toMatchObject({
      path: 'src/security/auth.ts',
      startLine: 40,
      endLine: 43,
      status: { state: 'fresh', moved: { fromPath: 'src/auth.ts', fromLine: 10 } },
    });
    expect(moved.source.scope.keys).toEqual(['f:src/security/auth.ts']);
    expect(moved.version).toBe(anchored.version);
    const re = await post(`/v1/memories/${anchored.id}/reanchor`, { path: 'src/auth.ts', startLine: 10, endLine: 13, lines: AUTH_LINES });
    expect(re.source.anchor).toMatchObject({ path: 'src/auth.ts', startLine: 10, status: { state: 'fresh' } });
  });

  it('refuses bad anchors, scopes and filters with a 400 that says what to fix', async () => {
    const bad: Array<[string, string, any, RegExp]> = [
      [
        'POST',
        '/v1/memories',
        { text: 'x1', source: { kind: 'editor', anchor: { path: 'a.ts', startLine: 1, endLine: 300, lines: Array(300).fill('x') } } },
        /at most 200 lines/,
      ],
      ['POST', '/v1/memories', { text: 'x2', source: { kind: 'editor', scope: { paths: ['../outside'] } } }, /must not contain "\.\."/],
      ['POST', '/v1/memories', { text: 'x3', source: { kind: 'editor', scope: { paths: ['src/*/x.ts'] } } }, /glob form that is not supported/],
      [
        'POST',
        '/v1/memories',
        {
          text: 'x4',
          source: {
            kind: 'editor',
            anchor: { path: 'cfg.ts', startLine: 1, endLine: 1, lines: ['const k = "ghp_' + 'Zq8vR2mLk4Tn7Wx1Yc5Bd9Fh3Jp6Sg0Ae2Ku";'] },
          },
        },
        /GitHub token/,
      ],
      ['POST', `/v1/memories/${personal.id}/verify`, {}, /not anchored/],
      ['POST', `/v1/memories/${anchored.id}/anchor-check`, { check: { state: 'gone' } }, /check/],
    ];
    const before = await exportAll(s);
    for (const [method, path, body, message] of bad) {
      const r = await s.api(method, path, { body });
      expect(r.status, `${path} ${r.text}`).toBe(400);
      expect(r.json.error.message).toMatch(message);
    }
    const q = await s.api('GET', '/v1/memories?stale=maybe');
    expect(q.status).toBe(400);
    expect(await exportAll(s)).toEqual(before);
  });
});

describe('MCP: provenance, context, prompts and resources', () => {
  it('records the client, its version and the workspace repo; explicit scope wins; the record survives export and import', async () => {
    const client = await mcpClient({ 'X-Kairos-Repo': 'git@github.com:acme/shop.git' }, 'Claude Code', '2.1.0');
    let id: string;
    try {
      const r: any = await client.callTool({ name: 'remember', arguments: { text: 'The shop checkout retries payment capture three times.' } });
      id = r.structuredContent.memory.id;
      expect(r.structuredContent.memory.source).toMatchObject({
        kind: 'agent',
        actor: 'agent',
        client: 'Claude Code',
        clientVersion: '2.1.0',
        repo: 'github.com/acme/shop',
        scope: { repo: 'github.com/acme/shop' },
      });
      const p: any = await client.callTool({ name: 'remember', arguments: { text: 'I like my coffee black.', scope: {} } });
      expect(p.structuredContent.memory.source.scope).toBeUndefined();
      const anchoredByAgent: any = await client.callTool({
        name: 'remember',
        arguments: {
          text: 'Payment capture is retried in capture.ts with exponential backoff.',
          anchor: { path: 'src/capture.ts', startLine: 3, endLine: 4, lines: ['for (let i = 0; i < 3; i++) {', '  await sleep(2 ** i * 100);'] },
        },
      });
      expect(anchoredByAgent.structuredContent.memory.anchor).toMatchObject({ repo: 'github.com/acme/shop', path: 'src/capture.ts', state: 'fresh' });
    } finally {
      await client.close();
    }
    const exported = await s.api('GET', '/v1/export');
    const fresh = await startTestServer();
    try {
      expect((await fresh.api('POST', '/v1/import', { raw: exported.text })).json.failed).toBe(0);
      const copy = await fresh.api('GET', `/v1/memories/${id!}`);
      expect(copy.json.source).toEqual((await s.api('GET', `/v1/memories/${id!}`)).json.source);
      const a = await fresh.api('GET', `/v1/memories/${anchored.id}`);
      expect(a.json.source.anchor).toEqual((await s.api('GET', `/v1/memories/${anchored.id}`)).json.source.anchor);
    } finally {
      await fresh.close();
      await removeHome(fresh.home);
    }
  });

  it('offers recall and remember-decision prompts and memory resources', async () => {
    const client = await mcpClient({ 'X-Kairos-Repo': REPO_A });
    try {
      expect((await client.listPrompts()).prompts.map((p) => p.name).sort()).toEqual(['recall', 'remember-decision']);
      const recall: any = await client.getPrompt({ name: 'recall', arguments: { task: 'change how the bearer token is verified', files: 'src/auth.ts' } });
      expect(recall.messages[0].content.text).toContain(anchored.id);
      const decision: any = await client.getPrompt({
        name: 'remember-decision',
        arguments: { decision: 'Use argon2id for passwords.', reason: 'bcrypt truncates at 72 bytes.', paths: 'src/auth/' },
      });
      expect(decision.messages[0].content.text).toContain('"paths": [\n      "src/auth/"');
      const templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate).sort();
      expect(templates).toEqual(['kairos://files/{+path}', 'kairos://memories/{id}']);
      const one: any = await client.readResource({ uri: `kairos://memories/${anchored.id}` });
      expect(JSON.parse(one.contents[0].text)).toMatchObject({ id: anchored.id, anchor: { path: 'src/auth.ts' } });
      const file: any = await client.readResource({ uri: 'kairos://files/src/auth.ts' });
      expect(JSON.parse(file.contents[0].text).items[0]).toMatchObject({ match: 'file', memory: { id: anchored.id } });
    } finally {
      await client.close();
    }
  });
});
