import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/memory.js';
import { replaceSimilar } from '../../src/extension/capture.js';
import { KairosClient } from '../../src/extension/client.js';
import { exportAll, removeHome, startTestServer, type TestServer } from './helpers.js';

const MiB = 1024 * 1024;

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer(undefined, { KAIROS_MAX_IMPORT_BYTES: String(256 * 1024) });
});

afterAll(async () => {
  await s?.close();
  if (s) await removeHome(s.home);
});

async function remember(text: string, extra: Record<string, unknown> = {}): Promise<any> {
  const r = await s.api('POST', '/v1/memories', { body: { text, ...extra } });
  expect([200, 201]).toContain(r.status);
  return r.json;
}

function expectError(r: { status: number; json: any }, status: number, code: string): void {
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.json).toEqual({ error: { code, message: expect.any(String) } });
  expect(r.json.error.message.length).toBeGreaterThan(5);
}

describe('REST round trips', () => {
  it('answers healthz without a token, with version, store and embedder', async () => {
    const r = await s.api('GET', '/v1/healthz', { token: null });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'ok', version: expect.any(String), store: expect.any(String), embedder: { provider: 'local', dimension: 512 } });
  });

  it('describes the local principal and its personal space', async () => {
    const me = await s.api('GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.json.principal).toMatchObject({ uid: 'local', via: 'local-token' });
    expect(me.json.spaces).toEqual([{ space: 'kairos_user_local', role: 'owner', label: 'Personal', kind: 'personal' }]);
    const spaces = await s.api('GET', '/v1/spaces');
    expect(spaces.status).toBe(200);
    expect(spaces.json[0]).toMatchObject({ space: 'kairos_user_local', count: expect.any(Number) });
  });

  it('creates, deduplicates, supersedes, reads, updates, restores, lists, searches and deletes a memory', async () => {
    const created = await s.api('POST', '/v1/memories', { body: { text: 'The build uses esbuild with packages external', tags: ['Build'] } });
    expect(created.status).toBe(201);
    expect(created.json.outcome).toBe('created');
    const id: string = created.json.memory.id;
    expect(created.json.memory.tags).toEqual(['build']);

    const dup = await s.api('POST', '/v1/memories', { body: { text: 'The build uses esbuild  with packages external' } });
    expect(dup.status).toBe(200);
    expect(dup.json).toMatchObject({ outcome: 'duplicate', memory: { id } });

    const sup = await s.api('POST', '/v1/memories', { body: { text: 'The build uses esbuild; node_modules stay external', supersedes: id } });
    expect(sup.status).toBe(200);
    expect(sup.json).toMatchObject({ outcome: 'superseded', supersededId: id, memory: { id, version: 2 } });

    const got = await s.api('GET', `/v1/memories/${id}`);
    expect(got.status).toBe(200);
    expect(got.json.text).toBe('The build uses esbuild; node_modules stay external');
    expect(got.json.history).toHaveLength(1);
    expect(got.json.history[0]).toMatchObject({ version: 1, reason: 'supersede', text: 'The build uses esbuild with packages external' });

    const patched = await s.api('PATCH', `/v1/memories/${id}?space=kairos_user_local`, { body: { tags: ['build', 'tooling'] } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id, version: 3, tags: ['build', 'tooling'] });

    const restored = await s.api('POST', `/v1/memories/${id}/restore`, { body: { version: 1 } });
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ id, version: 4, text: 'The build uses esbuild with packages external' });

    const listed = await s.api('GET', '/v1/memories?tag=build&limit=5');
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((m: any) => m.id)).toContain(id);

    const found = await s.api('POST', '/v1/search', { body: { query: 'how is the bundle built', limit: 3 } });
    expect(found.status).toBe(200);
    expect(found.json.items[0]).toMatchObject({ memory: { id }, space: 'kairos_user_local', spaceLabel: 'Personal' });

    const del = await s.api('DELETE', `/v1/memories/${id}`);
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ id, space: 'kairos_user_local' });
    expectError(await s.api('GET', `/v1/memories/${id}`), 404, 'not_found');
  });

  it('pages lists newest first with a cursor', async () => {
    for (const n of ['alpha', 'beta', 'gamma']) await remember(`Paging fixture ${n} in the pager suite`, { tags: ['pager'] });
    const first = await s.api('GET', '/v1/memories?tag=pager&limit=2');
    expect(first.json.items).toHaveLength(2);
    expect(first.json.items[0].text).toContain('gamma');
    const second = await s.api('GET', `/v1/memories?tag=pager&limit=2&cursor=${encodeURIComponent(first.json.nextCursor)}`);
    expect(second.json.items.map((m: any) => m.text)).toEqual(['Paging fixture alpha in the pager suite']);
    expect(second.json.nextCursor).toBeUndefined();
  });

  it('reads and validates settings', async () => {
    const r = await s.api('GET', '/v1/settings');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ mode: 'local', embedder: { provider: 'local', model: expect.any(String), dimension: 512 } });
    expectError(await s.api('PUT', '/v1/settings', { body: { embedder: { provider: 'openai', colour: 'red' } } }), 400, 'invalid_input');
  });

  it('streams memory changes from other clients over /v1/events', async () => {
    const ac = new AbortController();
    const res = await fetch(`${s.url}/v1/events`, { headers: { authorization: `Bearer ${s.token}` }, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const created = await remember('An event should announce this memory');
    let buf = '';
    const decoder = new TextDecoder();
    while (!buf.includes('memoryChanged')) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value);
    }
    ac.abort();
    const data = buf.split('\n').find((l) => l.startsWith('data: ') && l.includes('memoryChanged'))!;
    expect(JSON.parse(data.slice(6))).toEqual({ type: 'memoryChanged', id: created.memory.id, space: 'kairos_user_local', change: 'created' });
  });
});

describe('bad input is refused with a 4xx and changes nothing', () => {
  it('answers each malformed request with the right error and leaves the data as it was', async () => {
    const seed = await remember('A memory that bad requests must not change');
    const id: string = seed.memory.id;
    const before = await exportAll(s);

    const bad: Array<[string, string, any, number, string]> = [
      ['POST', '/v1/memories', { body: { text: '' } }, 400, 'invalid_input'],
      ['POST', '/v1/memories', { body: { text: '   ' } }, 400, 'invalid_input'],
      ['POST', '/v1/memories', { body: { text: 'x'.repeat(LIMITS.maxTextChars + 1) } }, 400, 'invalid_input'],
      ['POST', '/v1/memories', { raw: '{"text": "unterminated', headers: { 'content-type': 'application/json' } }, 400, 'invalid_input'],
      ['POST', '/v1/memories', { raw: '' }, 400, 'invalid_input'],
      ['POST', '/v1/memories', { body: { text: 5 } }, 400, 'invalid_input'],
      ['POST', '/v1/memories', { body: { text: 'ok', tags: 'not-a-list' } }, 400, 'invalid_input'],
      ['POST', '/v1/memories', { body: { text: 'ok', colour: 'red' } }, 400, 'invalid_input'],
      ['POST', '/v1/memories', { body: { text: 'ok', space: 'kairos_org_someone_else' } }, 403, 'forbidden'],
      ['POST', '/v1/memories', { body: { text: 'ok', space: 'not a space' } }, 400, 'invalid_input'],
      ['POST', '/v1/memories', { body: { text: 'replacement text', supersedes: 'no-such-id' } }, 404, 'not_found'],
      ['POST', '/v1/memories?debug=1', { body: { text: 'ok' } }, 400, 'invalid_input'],
      ['GET', '/v1/memories/no-such-id', {}, 404, 'not_found'],
      ['PATCH', '/v1/memories/no-such-id', { body: { text: 'new' } }, 404, 'not_found'],
      ['PATCH', `/v1/memories/${id}`, { body: {} }, 400, 'invalid_input'],
      ['PATCH', `/v1/memories/${id}`, { body: { text: 'new', id: 'other' } }, 400, 'invalid_input'],
      ['POST', `/v1/memories/${id}/restore`, { body: { version: 99 } }, 404, 'not_found'],
      ['POST', `/v1/memories/${id}/restore`, { body: { version: 'one' } }, 400, 'invalid_input'],
      ['POST', '/v1/memories/no-such-id/restore', { body: { version: 1 } }, 404, 'not_found'],
      ['DELETE', '/v1/memories/no-such-id', {}, 404, 'not_found'],
      ['GET', '/v1/memories?limit=0', {}, 400, 'invalid_input'],
      ['GET', '/v1/memories?limit=abc', {}, 400, 'invalid_input'],
      ['GET', '/v1/memories?limit=101', {}, 400, 'invalid_input'],
      ['GET', '/v1/memories?cursor=%%%', {}, 400, 'invalid_input'],
      ['GET', '/v1/memories?since=yesterday', {}, 400, 'invalid_input'],
      ['GET', '/v1/memories?source=robot', {}, 400, 'invalid_input'],
      ['GET', '/v1/memories?tags=x', {}, 400, 'invalid_input'],
      ['POST', '/v1/search', { body: { query: '' } }, 400, 'invalid_input'],
      ['POST', '/v1/search', { body: { query: 'x'.repeat(LIMITS.maxQueryChars + 1) } }, 400, 'invalid_input'],
      ['POST', '/v1/search', { body: { query: 'ok', limit: 1000 } }, 400, 'invalid_input'],
      ['POST', '/v1/search', { body: { q: 'ok' } }, 400, 'invalid_input'],
      ['POST', '/v1/search', { body: { query: 'ok', spaces: ['kairos_org_other'] } }, 403, 'forbidden'],
      ['POST', '/v1/import?format=csv', { raw: '{}' }, 400, 'invalid_input'],
      ['GET', '/v1/export?space=kairos_org_other', {}, 403, 'forbidden'],
      ['GET', '/v1/nothing-here', {}, 404, 'not_found'],
    ];
    for (const [method, path, opts, status, code] of bad) {
      const r = await s.api(method, path, opts);
      expect({ method, path, status: r.status, code: r.json?.error?.code }).toEqual({ method, path, status, code });
      expectError(r, status, code);
    }
    expect(await exportAll(s)).toEqual(before);
  });

  it('refuses oversize bodies with 413 payload_too_large', async () => {
    const before = await exportAll(s);
    const big = JSON.stringify({ text: 'y'.repeat(MiB + 10) });
    expectError(await s.api('POST', '/v1/memories', { raw: big, headers: { 'content-type': 'application/json' } }), 413, 'payload_too_large');
    expectError(await s.api('POST', '/v1/search', { raw: big }), 413, 'payload_too_large');
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ text: `Oversize import line number ${i} padded ${'z'.repeat(80)}` })).join('\n');
    expect(lines.length).toBeGreaterThan(256 * 1024);
    expectError(await s.api('POST', '/v1/import', { raw: lines }), 413, 'payload_too_large');
    expect(await exportAll(s)).toEqual(before);
  });

  it('requires the bearer token: missing, wrong or malformed gets 401 with WWW-Authenticate', async () => {
    for (const opts of [{ token: null }, { token: 'wrong-token' }, { token: null, headers: { authorization: 'Basic abc' } }]) {
      for (const [method, path] of [
        ['GET', '/v1/memories'],
        ['POST', '/v1/search'],
        ['GET', '/v1/export'],
        ['POST', '/v1/console-link'],
      ] as const) {
        const r = await s.api(method, path, { ...opts, ...(method === 'POST' ? { body: { query: 'x' } } : {}) });
        expectError(r, 401, 'unauthorized');
        expect(r.headers.get('www-authenticate')).toBe('Bearer realm="kairos"');
      }
    }
  });

  it('sets security headers on every response and never leaks internals', async () => {
    for (const r of [await s.api('GET', '/v1/healthz'), await s.api('GET', '/v1/memories', { token: null }), await s.api('GET', '/v1/memories/x')]) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('referrer-policy')).toBe('no-referrer');
      expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(r.text).not.toMatch(/at .*\.ts:\d+/);
    }
  });
});

describe('console login', () => {
  async function loginUrl(): Promise<string> {
    const r = await s.api('POST', '/v1/console-link');
    expect(r.status).toBe(200);
    expect(r.json.url).toMatch(new RegExp(`^${s.url}/\\?token=[A-Za-z0-9_-]{20,}$`));
    return r.json.url;
  }

  it('exchanges a one-time token for an HttpOnly SameSite=Strict cookie and drops it from the URL', async () => {
    const url = await loginUrl();
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^kairos_session=[A-Za-z0-9_-]+;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).not.toContain('Secure');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');

    const again = await fetch(url, { redirect: 'manual' });
    expect(again.status).toBe(401);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.text()).toContain('kairos console');

    const session = cookie.split(';')[0]!;
    const page = await fetch(`${s.url}/`, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`style-src 'nonce-${nonce}'`);
    const html = await page.text();
    expect(html).toContain(`nonce="${nonce}"`);
    expect(html).not.toContain('__NONCE__');
  });

  it('serves a sign-in page without a session and refuses unknown tokens', async () => {
    const anon = await fetch(`${s.url}/`);
    expect(anon.status).toBe(401);
    expect(await anon.text()).toContain('kairos console');
    const forged = await fetch(`${s.url}/?token=forged`, { redirect: 'manual' });
    expect(forged.status).toBe(401);
  });

  it('lets the cookie read, but requires X-Kairos-CSRF for writes, and never opens /mcp', async () => {
    const res = await fetch(await loginUrl(), { redirect: 'manual' });
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const before = await exportAll(s);
    const read = await s.api('GET', '/v1/memories', { token: null, headers: { cookie } });
    expect(read.status).toBe(200);
    const noCsrf = await s.api('POST', '/v1/memories', { token: null, headers: { cookie }, body: { text: 'Written with only a cookie' } });
    expectError(noCsrf, 403, 'forbidden');
    expectError(await s.api('DELETE', `/v1/memories/${before[0].id}`, { token: null, headers: { cookie } }), 403, 'forbidden');
    expect(await exportAll(s)).toEqual(before);
    const withCsrf = await s.api('POST', '/v1/memories', {
      token: null,
      headers: { cookie, 'x-kairos-csrf': '1' },
      body: { text: 'Written from the console with the CSRF header' },
    });
    expect(withCsrf.status).toBe(201);
    const mcp = await s.api('POST', '/mcp', { token: null, headers: { cookie, 'x-kairos-csrf': '1' }, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    expect(mcp.status).toBe(401);
  });

  it('serves bundle assets with their content type and refuses paths outside the bundle', async () => {
    const js = await fetch(`${s.url}/assets/main.js`);
    if (js.status === 200) expect(js.headers.get('content-type')).toContain('text/javascript');
    else expect(js.status).toBe(404);
    await js.body?.cancel();
    for (const p of ['/assets/..%2Fpackage.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets/..%5c..%5cpackage.json', '/assets/', '/assets/nope.js']) {
      const r = await fetch(`${s.url}${p}`);
      expect(r.status, p).toBe(404);
      expect(await r.text()).not.toContain('"name": "kairos"');
    }
  });
});

describe('/mcp', () => {
  it('refuses requests without the bearer token', async () => {
    const r = await s.api('POST', '/mcp', { token: null, body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
    expectError(r, 401, 'unauthorized');
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="kairos"');
    expect((await s.api('GET', '/mcp')).status).toBe(405);
  });

  it('serves the memory tools to the SDK client with the bearer token', async () => {
    const client = new Client({ name: 'rest-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), {
      requestInit: { headers: { Authorization: `Bearer ${s.token}` } },
    });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['remember', 'search']));
      const r = await client.callTool({ name: 'remember', arguments: { text: 'Agents reach Kairos over streamable HTTP', tags: ['mcp'] } });
      expect(r.isError).toBeFalsy();
      const found = await s.api('POST', '/v1/search', { body: { query: 'streamable HTTP agents', filter: { tags: ['mcp'] } } });
      expect(found.json.items[0].memory.text).toBe('Agents reach Kairos over streamable HTTP');
    } finally {
      await client.close();
    }
  });
});

describe('import and export', () => {
  const memoryJson = [
    { type: 'entity', name: 'Ada', entityType: 'Person', observations: ['prefers tabs', 'maintains the parser'] },
    { type: 'entity', name: 'Parser', entityType: 'Module', observations: ['lives in src/parse'] },
    { type: 'relation', from: 'Ada', to: 'Parser', relationType: 'maintains' },
  ]
    .map((l) => JSON.stringify(l))
    .join('\n');

  it('imports an MCP memory server memory.json as tagged memories, and skips them all the second time', async () => {
    const first = await s.api('POST', '/v1/import?format=mcp-memory', { raw: memoryJson + '\n' });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ created: 4, duplicate: 0, failed: 0, errors: [] });
    const ada = await s.api('GET', '/v1/memories?tag=entity:ada');
    expect(ada.json.items.map((m: any) => m.text).sort()).toEqual(['Ada: maintains the parser', 'Ada: prefers tabs']);
    expect(ada.json.items[0].tags).toEqual(['entity:ada', 'person']);
    expect(ada.json.items[0].source.kind).toBe('import');
    const rel = await s.api('GET', '/v1/memories?tag=relation');
    expect(rel.json.items.map((m: any) => m.text)).toEqual(['Ada maintains Parser']);

    const again = await s.api('POST', '/v1/import', { raw: memoryJson });
    expect(again.json).toEqual({ created: 0, duplicate: 4, failed: 0, errors: [] });
  });

  it('reports bad lines without aborting the import', async () => {
    const body = ['{"text":"Imported despite a broken neighbour line"}', '{not json', '{"text":""}', '{"tags":["x"]}'].join('\n');
    const r = await s.api('POST', '/v1/import?format=jsonl', { raw: body });
    expect(r.status).toBe(200);
    expect(r.json.created).toBe(1);
    expect(r.json.failed).toBe(3);
    expect(r.json.errors.map((e: any) => e.message).join(' ')).toContain('Line 2');
  });

  it('re-imports its own export as all duplicates, and round-trips with history into a fresh home', async () => {
    const m = await remember('Round trip memory, first wording');
    await s.api('PATCH', `/v1/memories/${m.memory.id}`, { body: { text: 'Round trip memory, second wording' } });
    const exported = await s.api('GET', '/v1/export');
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/x-ndjson');
    const records = exported.text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

    const again = await s.api('POST', '/v1/import', { raw: exported.text });
    expect(again.json).toMatchObject({ created: 0, duplicate: records.length, failed: 0 });

    const fresh = await startTestServer();
    try {
      const r = await fresh.api('POST', '/v1/import', { raw: exported.text });
      expect(r.json).toMatchObject({ created: records.length, duplicate: 0, failed: 0 });
      const copy = await exportAll(fresh);
      const key = (x: any) => x.id;
      expect(copy.map(key).sort()).toEqual(records.map(key).sort());
      const moved = copy.find((x) => x.id === m.memory.id);
      expect(moved).toMatchObject({ text: 'Round trip memory, second wording', version: 2 });
      expect(moved.history).toEqual([expect.objectContaining({ version: 1, text: 'Round trip memory, first wording', reason: 'update' })]);
      const hit = await fresh.api('POST', '/v1/search', { body: { query: 'round trip memory' } });
      expect(hit.json.items[0].memory.id).toBe(m.memory.id);
    } finally {
      await fresh.close();
      await removeHome(fresh.home);
    }
  });
});

describe('replacing a similar memory (the editor\'s "Replace it")', () => {
  it('moves the new text onto the similar memory as a new version and removes the new one', async () => {
    const old = await s.api('POST', '/v1/memories', { body: { text: 'We deploy the web app to production every Tuesday afternoon.' } });
    const fresh = await s.api('POST', '/v1/memories', { body: { text: 'Production deploys of the web app happen on Tuesday afternoons.' } });
    expect(fresh.json.outcome).toBe('created');
    expect(fresh.json.similar?.[0]).toMatchObject({ id: old.json.memory.id });
    const client = new KairosClient(async () => ({ baseUrl: s.url, token: s.token }));
    const replaced = await replaceSimilar(client, fresh.json, old.json.memory.id);
    expect(replaced).toMatchObject({ id: old.json.memory.id, version: 2, text: 'Production deploys of the web app happen on Tuesday afternoons.' });
    expectError(await s.api('GET', `/v1/memories/${fresh.json.memory.id}`), 404, 'not_found');
    const got = await s.api('GET', `/v1/memories/${old.json.memory.id}`);
    expect(got.json.history[0]).toMatchObject({ version: 1, reason: 'supersede', text: 'We deploy the web app to production every Tuesday afternoon.' });
  });
});
