/**
 * The one input rule at every boundary of service mode (real PostgreSQL): NUL and lone UTF-16
 * surrogates are refused with a 400 naming the field (OAuth: invalid_request) before any SQL
 * call, numbers are range-checked, import fails a bad record by its line and goes on, and no
 * request, signed in or not, makes the server answer 5xx or log a stack trace.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/memory.js';
import { setLogSink, type LogSink } from '../../src/util/logger.js';
import { BACKENDS, startServiceWorld, type ServiceWorld } from './harness.js';
import { connectMcp, toolText, type TestMcp } from './mcpClient.js';

const NUL = 'a\u0000b';
const LONE = 'a\ud800b';

describe('the input rule in service mode (PostgreSQL)', () => {
  let w: ServiceWorld;
  let alice: string;
  let mcp: TestMcp;
  const logs: string[] = [];
  let prevSink: LogSink;

  beforeAll(async () => {
    prevSink = setLogSink((line) => logs.push(line));
    w = await startServiceWorld(BACKENDS[0]!);
    alice = w.githubUser(7001, 'alice');
    const put = await w.api('PUT', '/v1/settings/embedder-key', alice, {
      body: { provider: 'openai', apiKey: 'sk-alice-0000000000000000aaaa', model: 'text-embedding-3-small', endpoint: w.openai.baseURL },
    });
    expect(put.status).toBe(200);
    mcp = await connectMcp(w.url, alice);
  });
  afterAll(async () => {
    await mcp?.close();
    await w?.close();
    setLogSink(prevSink);
  });

  const bad400 = async (label: string, method: string, path: string, body: unknown, field: string): Promise<void> => {
    const r = await w.api(method, path, alice, body === undefined ? {} : { body });
    expect(r.status, `${label}: ${r.text.slice(0, 200)}`).toBe(400);
    expect(r.json.error.code).toBe('invalid_input');
    expect(r.json.error.message).toContain(`"${field}"`);
  };

  it('refuses NUL and lone surrogates in memory fields, queries, filters, ids and names with 400 naming the field', async () => {
    await bad400('NUL text', 'POST', '/v1/memories', { text: NUL }, 'text');
    await bad400('NUL tag', 'POST', '/v1/memories', { text: 'ok text', tags: ['x', NUL] }, 'tags[1]');
    await bad400('lone uri', 'POST', '/v1/memories', { text: 'ok text', source: { kind: 'api', uri: LONE } }, 'source.uri');
    await bad400('lone repo', 'POST', '/v1/memories', { text: 'ok text', source: { kind: 'api', repo: LONE } }, 'source.repo');
    await bad400('lone text', 'POST', '/v1/memories', { text: LONE }, 'text');
    await bad400('NUL query', 'POST', '/v1/search', { query: NUL }, 'query');
    await bad400('NUL filter', 'POST', '/v1/search', { query: 'q', filter: { tags: [NUL] } }, 'filter.tags[0]');
    await bad400('NUL key name', 'POST', '/v1/keys', { name: NUL }, 'name');
    await bad400('NUL org name', 'POST', '/v1/orgs', { name: NUL }, 'name');
    for (const path of ['/v1/memories/%00', '/v1/memories?tag=%00', '/v1/memories?cursor=%00', '/v1/memories/%ED%A0%80']) {
      const r = await w.api('GET', path, alice);
      expect(r.status, path).toBe(400);
    }
    const created = await w.api('POST', '/v1/memories', alice, { body: { text: 'Patch target for the input rule.' } });
    expect(created.status).toBe(201);
    await bad400('lone uri patch', 'PATCH', `/v1/memories/${created.json.memory.id}`, { source: { kind: 'api', uri: LONE } }, 'source.uri');
    await bad400('huge restore version', 'POST', `/v1/memories/${created.json.memory.id}/restore`, { version: 2147483647 }, 'version');
  });

  it('stores text exactly as it was echoed: astral characters, RTL marks and combining marks round-trip', async () => {
    const text = 'Deploy 🚀 \u202eRTL\u202c mark, e\u0301 and 𝒳 stay exactly as sent.';
    const r = await w.api('POST', '/v1/memories', alice, { body: { text, tags: ['ünï', '🏷'], source: { kind: 'api', uri: 'file:///a/𝒳.ts' } } });
    expect(r.status).toBe(201);
    expect(r.json.memory.text).toBe(text);
    const back = await w.api('GET', `/v1/memories/${r.json.memory.id}`, alice);
    expect(back.json.text).toBe(text);
    expect(back.json.tags).toEqual(r.json.memory.tags);
    expect(back.json.source.uri).toBe('file:///a/𝒳.ts');
  });

  it('answers MCP tool calls with NUL or lone surrogates as tool errors naming the field', async () => {
    const rem = await mcp.call('remember', { text: NUL });
    expect(rem.isError).toBe(true);
    expect(toolText(rem)).toContain('"text"');
    const src = await mcp.call('remember', { text: 'fine', source: { uri: LONE } });
    expect(src.isError).toBe(true);
    expect(toolText(src)).toContain('"source.uri"');
    const search = await mcp.call('search', { query: NUL });
    expect(search.isError).toBe(true);
    expect(toolText(search)).toContain('"query"');
    const get = await mcp.call('get_memory', { id: NUL });
    expect(get.isError).toBe(true);
    expect(toolText(get)).not.toMatch(/unexpected error/i);
  });

  it('answers unauthenticated OAuth requests carrying NUL with invalid_request, never 5xx', async () => {
    const authorize = await w.api('GET', '/oauth/authorize?client_id=%00&response_type=code', null);
    expect(authorize.status).toBe(400);
    expect(authorize.json.error).toBe('invalid_request');
    const form = (body: string, type = 'application/x-www-form-urlencoded') =>
      w.api('POST', '/oauth/token', null, { raw: body, headers: { 'content-type': type } });
    const token = await form('grant_type=authorization_code&client_id=%00&code=x&code_verifier=y');
    expect(token.status).toBe(400);
    expect(token.json.error).toBe('invalid_request');
    const basic = await w.api('POST', '/oauth/token', null, {
      raw: 'grant_type=refresh_token&refresh_token=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('%E0%A4%A:x').toString('base64')}` },
    });
    expect(basic.status).toBe(401);
    expect(basic.json.error).toBe('invalid_client');
    const reg = await w.api('POST', '/oauth/register', null, { body: { client_name: NUL, redirect_uris: ['http://127.0.0.1:9/cb'] } });
    expect(reg.status).toBe(400);
    expect(reg.json.error).toBe('invalid_client_metadata');
    const multipart = await w.api('POST', '/oauth/authorize', null, {
      raw: '--xx\r\nContent-Disposition: form-data; name="client_id"\r\n\r\n\u0000\r\n--xx--\r\n',
      headers: { 'content-type': 'multipart/form-data; boundary=xx' },
    });
    expect(multipart.status).toBeLessThan(500);
    const broken = await w.api('GET', '/auth/signin?return=%E0%A4%A', null);
    expect(broken.status).toBe(400);
  });

  it('imports each record whole or not at all: bad lines, timestamps and versions fail by line number, the rest land', async () => {
    const rec = (text: string, extra: Record<string, unknown> = {}) => JSON.stringify({ text, ...extra });
    const hist = (version: number) => [
      { version, text: `older ${version}`, tags: [], source: { kind: 'api' }, replacedAt: '2026-01-01T00:00:00Z', reason: 'update' },
    ];
    const body = [
      rec('Import line one is fine.'),
      rec('Import line two has a bad updatedAt.', { updatedAt: 'yesterday' }),
      rec('Import line three has an int4-sized version.', { history: hist(2147483647) }),
      rec('Import line four has NUL\u0000 in it.'),
      rec('Import line five is at the version cap.', { history: hist(LIMITS.maxVersion - 1) }),
      '{broken',
      rec('Import line seven has a lone surrogate in its uri.', { source: { kind: 'api', uri: LONE } }),
    ].join('\n');
    const r = await w.api('POST', '/v1/import', alice, { raw: body, headers: { 'content-type': 'application/x-ndjson' } });
    expect(r.status, r.text).toBe(200);
    expect(r.json.created).toBe(2);
    expect(r.json.failed).toBe(5);
    const lines = r.json.errors.map((e: { message: string }) => Number(/^Line (\d+)/.exec(e.message)?.[1])).sort();
    expect(lines).toEqual([2, 3, 4, 6, 7]);

    const exported = (await w.api('GET', '/v1/export', alice)).text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(exported.some((m) => m.text.includes('int4-sized'))).toBe(false);
    const capped = exported.find((m) => m.text.includes('version cap'));
    expect(capped.version).toBe(LIMITS.maxVersion);
    expect(capped.history).toHaveLength(1);
    // At the cap a memory cannot change again: a clear 409, not an int4 overflow.
    const patch = await w.api('PATCH', `/v1/memories/${capped.id}`, alice, { body: { text: 'A new text for the capped memory.' } });
    expect(patch.status).toBe(409);
  });

  it('logged no stack trace and no unexpected error for any of the above', () => {
    expect(logs.filter((l) => /unexpected error|"stack"|\n\s+at /.test(l))).toEqual([]);
  });
});
