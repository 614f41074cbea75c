import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/memory.js';
import type { Embedder } from '../../src/core/ports.js';
import { factQuestions, serviceFacts } from '../fixtures/serviceFacts.js';
import { FACTS } from './facts.js';
import { call, contextWith, personalContext, startMcpHarness, textOf, type McpHarness } from './harness.js';

const TOOLS = ['forget', 'get_memory', 'list_memories', 'remember', 'search', 'update_memory'];

let h: McpHarness;
let seq = 0;

/** A fresh tenant per test keeps tests independent while sharing one store and server. */
async function freshTenant(prefix = 't'): Promise<{ name: string; client: Client }> {
  const name = `${prefix}${++seq}`;
  h.tenants.set(name, personalContext(name, h.embedder));
  return { name, client: await h.connect(name) };
}

beforeAll(async () => {
  h = await startMcpHarness();
});

afterAll(async () => {
  await h?.close();
});

describe('MCP over Streamable HTTP', () => {
  it('lists all six tools with titles, descriptions, annotations and output schemas', async () => {
    const { client } = await freshTenant();
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.description?.length, t.name).toBeGreaterThan(120);
      expect(t.outputSchema?.type, t.name).toBe('object');
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.annotations?.openWorldHint, t.name).toBe(false);
    }
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const ro of ['search', 'get_memory', 'list_memories']) expect(byName.get(ro)?.annotations?.readOnlyHint).toBe(true);
    expect(byName.get('forget')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
    expect(byName.get('remember')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: true });
    expect(byName.get('update_memory')?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    // Parameters are described for the agent, and the page bound is visible in the schema.
    const search = byName.get('search')!;
    const props = search.inputSchema.properties as Record<string, { description?: string; maximum?: number }>;
    expect(props.query?.description).toBeTruthy();
    expect(props.limit?.maximum).toBe(50);
    expect(search.inputSchema.required).toEqual(['query']);
    expect(byName.get('remember')?.description).toMatch(/duplicate/);
    expect(byName.get('remember')?.description).toMatch(/supersedes/);
  });

  it('tells the agent when to search and when to remember, and which spaces it has', async () => {
    const { name, client } = await freshTenant();
    const instructions = client.getInstructions() ?? '';
    expect(instructions).toMatch(/search/);
    expect(instructions).toMatch(/remember/i);
    expect(instructions).toContain(`kairos_user_${name}`);
    expect(client.getServerVersion()?.name).toBe('kairos');
  });

  it('creates a memory, recognises the exact duplicate, and supersedes it keeping the old text as history', async () => {
    const { name, client } = await freshTenant();
    const first = await call(client, 'remember', { text: 'The staging database is db-staging-2.', tags: ['Infra', 'db'] });
    expect(first.isError).toBeFalsy();
    expect(first.structuredContent.outcome).toBe('created');
    expect(first.structuredContent.memory).toMatchObject({ text: 'The staging database is db-staging-2.', tags: ['db', 'infra'], version: 1 });
    expect(first.structuredContent.memory.source.kind).toBe('agent');
    const id: string = first.structuredContent.memory.id;
    expect(textOf(first)).toContain(id);

    const again = await call(client, 'remember', { text: '  The staging   database is db-staging-2. ' });
    expect(again.structuredContent).toMatchObject({ outcome: 'duplicate', memory: { id, version: 1 } });
    expect(textOf(again)).toMatch(/duplicate/);

    const moved = await call(client, 'remember', { text: 'The staging database moved to db-staging-3 in March.', supersedes: id });
    expect(moved.structuredContent).toMatchObject({ outcome: 'superseded', supersededId: id, memory: { id, version: 2 } });
    expect(await h.serviceFor(name).count()).toBe(1);

    const got = await call(client, 'get_memory', { id });
    expect(got.structuredContent.memory.text).toBe('The staging database moved to db-staging-3 in March.');
    expect(got.structuredContent.historyTotal).toBe(1);
    expect(got.structuredContent.history[0]).toMatchObject({ version: 1, text: 'The staging database is db-staging-2.', reason: 'supersede' });
    expect(textOf(got)).toContain('db-staging-2');
  });

  it('treats a copy that differs only in case, spacing or punctuation as a duplicate, and nothing else', async () => {
    const { name, client } = await freshTenant();
    const first = await call(client, 'remember', { text: 'The API base URL is https://api.example.com/v1' });
    const again = await call(client, 'remember', { text: '  the API base url is   https://api.example.com/v1. ' });
    expect(again.structuredContent).toMatchObject({ outcome: 'duplicate', memory: { id: first.structuredContent.memory.id, version: 1 } });
    const other = await call(client, 'remember', { text: 'The API base URL is https://api.example.com/v2' });
    expect(other.structuredContent.outcome).toBe('created');
    expect(await h.serviceFor(name).count()).toBe(2);
  });

  it('never hides a fact behind another of the same shape, and reports paraphrases as similar', async () => {
    const { name, client } = await freshTenant();
    // Facts of one template that differ only in numbers, names, ids, dates, versions, ports or paths:
    // the offline model puts many of them above 0.985 cosine of each other.
    const values: Array<[string, string]> = [];
    for (let i = 0; i < 12; i++) {
      values.push([`Durability note ${i + 17}: the cedar kestrel pipeline writes to bucket raven-${34583 + i * 7} on Fridays.`, `raven-${34583 + i * 7}`]);
      values.push([`Fact ${44 + i}: shard ${436 + i} is owned by the infra team, on-call rotation ${i % 3}.`, `shard ${436 + i}`]);
      values.push([`The ${['auth', 'billing', 'search', 'mail'][i % 4]} service listens on port ${8080 + i}.`, `port ${8080 + i}`]);
      values.push([`Release ${i + 1}.${i % 4}.${i % 3} of the CLI shipped on 2024-0${(i % 9) + 1}-1${i % 10}.`, `${i + 1}.${i % 4}.${i % 3}`]);
      values.push([`Config for tenant t-${9100 + i} lives in /etc/kairos/tenants/t-${9100 + i}.yaml.`, `t-${9100 + i}`]);
    }
    for (const [text] of values) {
      const r = await call(client, 'remember', { text });
      expect(r.structuredContent.outcome, text).toBe('created');
    }
    const listed = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await call(client, 'list_memories', { limit: 50, ...(cursor ? { cursor } : {}) });
      for (const m of page.structuredContent.memories) listed.add(m.text);
      cursor = page.structuredContent.nextCursor;
    } while (cursor);
    expect(listed).toEqual(new Set(values.map(([t]) => t)));
    for (const [text, value] of values) {
      const found = await call(client, 'search', { query: value, limit: 5 });
      expect(
        found.structuredContent.results.map((r: { text: string }) => r.text),
        value,
      ).toContain(text);
    }
    expect(await h.serviceFor(name).count()).toBe(values.length);

    const original = await call(client, 'remember', { text: 'We deploy the web app to production every Tuesday afternoon.' });
    const paraphrase = await call(client, 'remember', { text: 'Production deploys of the web app happen on Tuesday afternoons.' });
    expect(paraphrase.structuredContent.outcome).toBe('created');
    expect(paraphrase.structuredContent.similar?.[0]).toMatchObject({ id: original.structuredContent.memory.id });
    expect(textOf(paraphrase)).toMatch(/Similar memories/);
  });

  it('finds memories by meaning and by exact keyword', async () => {
    const { client } = await freshTenant();
    const facts = [
      'Run pnpm -r build at the repository root to compile every package in the monorepo.',
      'The user prefers tabs over spaces and single quotes in TypeScript files.',
      'Release builds are deployed by GitHub Actions when a version tag is pushed.',
      'Node 17+ fails with ERR_OSSL_EVP_UNSUPPORTED on the legacy webpack 4 config; set NODE_OPTIONS=--openssl-legacy-provider.',
      'Lunch orders for the team go in the shared spreadsheet every Friday.',
    ];
    const ids: string[] = [];
    for (const text of facts) ids.push((await call(client, 'remember', { text })).structuredContent.memory.id);

    const meaning = await call(client, 'search', { query: 'what is the code style the user likes for indentation?' });
    expect(meaning.isError).toBeFalsy();
    expect(meaning.structuredContent.results[0].id).toBe(ids[1]);
    expect(meaning.structuredContent.results[0].matchedBy).toContain('dense');

    const keyword = await call(client, 'search', { query: 'ERR_OSSL_EVP_UNSUPPORTED' });
    expect(keyword.structuredContent.results[0].id).toBe(ids[3]);
    expect(keyword.structuredContent.results[0].matchedBy).toContain('keyword');
    expect(textOf(keyword)).toContain('ERR_OSSL_EVP_UNSUPPORTED');
  });

  it('pages search results with nextCursor and enforces the 50-result bound', async () => {
    const { name, client } = await freshTenant();
    for (const text of FACTS.slice(0, 13)) expect((await call(client, 'remember', { text })).structuredContent.outcome).toBe('created');
    const first = await call(client, 'search', { query: 'how do we test and deploy', limit: 2 });
    expect(first.structuredContent.results).toHaveLength(2);
    expect(first.structuredContent.nextCursor).toEqual(expect.any(String));
    expect(textOf(first)).toContain(first.structuredContent.nextCursor);

    // Pages add up to exactly the relevant set one large request returns, each hit once.
    const all = await call(client, 'search', { query: 'how do we test and deploy', limit: 50 });
    const relevant: string[] = all.structuredContent.results.map((r: { id: string }) => r.id);
    expect(relevant.length).toBeGreaterThan(2);
    const seen: string[] = first.structuredContent.results.map((r: { id: string }) => r.id);
    let cursor: string | undefined = first.structuredContent.nextCursor;
    while (cursor) {
      const page = await call(client, 'search', { query: 'how do we test and deploy', limit: 2, cursor });
      for (const r of page.structuredContent.results) seen.push(r.id);
      cursor = page.structuredContent.nextCursor;
    }
    expect(seen).toEqual(relevant);

    const byDefault = await call(client, 'search', { query: 'how do we test and deploy' });
    expect(byDefault.structuredContent.results).toHaveLength(Math.min(10, relevant.length));

    const tooMany = await call(client, 'search', { query: 'deploy', limit: 51 });
    expect(tooMany.isError).toBe(true);
    expect(textOf(tooMany)).toMatch(/limit.*at most 50/);
    expect(await h.serviceFor(name).count()).toBe(13);
  });

  it('pages list_memories newest first until every memory was seen exactly once', async () => {
    const { client } = await freshTenant();
    const created: string[] = [];
    for (const text of FACTS.slice(0, 12)) created.push((await call(client, 'remember', { text })).structuredContent.memory.id);
    const seen: Array<{ id: string; updatedAt: string }> = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call(client, 'list_memories', { limit: 5, ...(cursor ? { cursor } : {}) });
      expect(page.isError).toBeFalsy();
      expect(page.structuredContent.memories.length).toBeLessThanOrEqual(5);
      seen.push(...page.structuredContent.memories);
      cursor = page.structuredContent.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((m) => m.id).sort()).toEqual([...created].sort());
    const times = seen.map((m) => m.updatedAt);
    expect(times).toEqual([...times].sort().reverse());

    const byDefault = await call(client, 'list_memories', {});
    expect(byDefault.structuredContent.memories).toHaveLength(10);
    const tagged = (await call(client, 'remember', { text: 'Only this one is tagged.', tags: ['pinned'] })).structuredContent.memory.id;
    const filtered = await call(client, 'list_memories', { filter: { tags: ['pinned'] } });
    expect(filtered.structuredContent.memories.map((m: { id: string }) => m.id)).toEqual([tagged]);
    expect(filtered.structuredContent.nextCursor).toBeUndefined();
    const tooMany = await call(client, 'list_memories', { limit: 500 });
    expect(tooMany.isError).toBe(true);
  });

  it('cuts long text at 1,000 characters in results and returns it whole from get_memory', async () => {
    const { client } = await freshTenant();
    const long = 'Architecture note: ' + 'the ingestion worker batches events. '.repeat(80);
    const saved = (await call(client, 'remember', { text: long })).structuredContent.memory;
    expect(saved).toMatchObject({ truncated: true });
    expect(saved.text).toHaveLength(1000);
    const id: string = saved.id;

    const listed = (await call(client, 'list_memories', {})).structuredContent.memories[0];
    expect(listed).toMatchObject({ id, truncated: true });
    expect(listed.text).toHaveLength(1000);
    const found = (await call(client, 'search', { query: 'ingestion worker batches' })).structuredContent.results[0];
    expect(found).toMatchObject({ id, truncated: true });
    expect(found.text.length).toBeLessThanOrEqual(1000);

    const full = await call(client, 'get_memory', { id });
    expect(full.structuredContent.memory.text).toBe(long.trim());
  });

  it('updates a memory in place and keeps every previous version, showing at most 20', async () => {
    const { client } = await freshTenant();
    const { id } = (await call(client, 'remember', { text: 'Coverage threshold is 70 percent.', tags: ['ci'] })).structuredContent.memory;

    const updated = await call(client, 'update_memory', { id, text: 'Coverage threshold is 75 percent.', tags: ['ci', 'quality'] });
    expect(updated.isError).toBeFalsy();
    expect(updated.structuredContent).toMatchObject({ previousVersion: 1, memory: { id, version: 2, tags: ['ci', 'quality'] } });

    const got = await call(client, 'get_memory', { id });
    expect(got.structuredContent.memory.text).toBe('Coverage threshold is 75 percent.');
    expect(got.structuredContent.history).toEqual([
      expect.objectContaining({ version: 1, text: 'Coverage threshold is 70 percent.', tags: ['ci'], reason: 'update' }),
    ]);

    for (let pct = 76; pct < 97; pct++) await call(client, 'update_memory', { id, text: `Coverage threshold is ${pct} percent.` });
    const capped = await call(client, 'get_memory', { id });
    expect(capped.structuredContent.historyTotal).toBe(22);
    expect(capped.structuredContent.history).toHaveLength(20);
    expect(capped.structuredContent.history[0].version).toBe(22);
    expect(capped.structuredContent.note).toMatch(/20 most recent of 22/);
  });

  it('refuses an update that would duplicate another memory, naming the one to use', async () => {
    const { client } = await freshTenant();
    const a = (await call(client, 'remember', { text: 'Use Vitest for unit tests.' })).structuredContent.memory.id;
    const b = (await call(client, 'remember', { text: 'Use Playwright for browser tests.' })).structuredContent.memory.id;
    const clash = await call(client, 'update_memory', { id: b, text: 'Use Vitest for unit tests.' });
    expect(clash.isError).toBe(true);
    expect(textOf(clash)).toContain(a);
    expect((await call(client, 'get_memory', { id: b })).structuredContent.memory.version).toBe(1);
  });

  it('forgets a memory, after which reading it is a not-found error', async () => {
    const { name, client } = await freshTenant();
    const { id } = (await call(client, 'remember', { text: 'Temporary: the VPN is down today.' })).structuredContent.memory;
    const gone = await call(client, 'forget', { id });
    expect(gone.structuredContent).toEqual({ id, space: `kairos_user_${name}`, forgotten: true });

    const after = await call(client, 'get_memory', { id });
    expect(after.isError).toBe(true);
    expect(textOf(after)).toMatch(/No memory with id/);
    expect(textOf(after)).toMatch(/search or list_memories/);
    const twice = await call(client, 'forget', { id });
    expect(twice.isError).toBe(true);
    expect(await h.serviceFor(name).count()).toBe(0);
  });

  it('rejects invalid arguments with messages naming the problem and changes nothing', async () => {
    const { name, client } = await freshTenant();
    const keep = (await call(client, 'remember', { text: 'Keep this one.' })).structuredContent.memory;
    const before = await h.serviceFor(name).count();

    const cases: Array<[string, Record<string, unknown>, RegExp]> = [
      ['remember', { text: '' }, /"text" must not be empty/],
      ['remember', { text: '   \n ' }, /"text" must not be empty/],
      ['remember', { text: 'x'.repeat(LIMITS.maxTextChars + 1) }, /longer than 16000 characters/],
      ['remember', { text: 42 }, /"text" must be a string/],
      ['remember', {}, /text/],
      ['remember', { text: 'ok', tags: 'not-an-array' }, /tags/],
      ['remember', { text: 'ok', space: 'someone_else' }, /kairos_user_<id>/],
      ['remember', { text: 'ok', userId: 'u2' }, /userId/],
      ['remember', { text: 'Replaces nothing.', supersedes: 'no-such-id' }, /No memory with id "no-such-id"/],
      ['search', { query: '' }, /"query" must not be empty/],
      ['search', { query: 'x', limit: 0 }, /limit/],
      ['search', { query: 'x', limit: 2.5 }, /limit/],
      ['search', { query: 'x', cursor: 'garbage!' }, /cursor is not valid/],
      ['get_memory', { id: '' }, /"id" must not be empty/],
      ['get_memory', { id: 'no-such-id' }, /No memory with id "no-such-id"/],
      ['update_memory', { id: keep.id }, /Nothing to update/],
      ['update_memory', { id: 'no-such-id', text: 'new' }, /No memory with id/],
      ['update_memory', { id: keep.id, text: '' }, /"text" must not be empty/],
      ['forget', { id: 'no-such-id' }, /No memory with id/],
      ['forget', { id: 123 }, /id/],
      ['list_memories', { limit: 'ten' }, /limit/],
      ['list_memories', { filter: { since: 'yesterday' } }, /ISO 8601/],
      ['search', { query: 'x', filter: { sourceKinds: ['robot'] } }, /sourceKinds/],
    ];
    for (const [tool, args, message] of cases) {
      const result = await call(client, tool, args);
      expect(result.isError, `${tool} ${JSON.stringify(args).slice(0, 60)}`).toBe(true);
      expect(textOf(result), `${tool} ${JSON.stringify(args).slice(0, 60)}`).toMatch(message);
      expect(textOf(result)).not.toMatch(/\bat \S+\.(ts|js):\d+/);
    }
    expect(await h.serviceFor(name).count()).toBe(before);
    expect((await call(client, 'get_memory', { id: keep.id })).structuredContent.memory).toMatchObject({ text: 'Keep this one.', version: 1 });
  });

  it('refuses writes from a context that can only read the space', async () => {
    const team = { space: 'kairos_org_team1', role: 'reader' as const, label: 'Team', kind: 'org' as const };
    h.tenants.set('reader1', contextWith('reader1', h.embedder, [team]));
    const client = await h.connect('reader1');

    const denied = await call(client, 'remember', { text: 'Readers cannot write this.' });
    expect(denied.isError).toBe(true);
    expect(textOf(denied)).toMatch(/read but not write space "Team"/);
    const listed = await call(client, 'list_memories', {});
    expect(listed.structuredContent.memories).toEqual([]);

    h.tenants.set('scoped1', personalContext('scoped1', h.embedder, ['read']));
    const scoped = await h.connect('scoped1');
    const noScope = await call(scoped, 'remember', { text: 'A read-only key cannot write.' });
    expect(noScope.isError).toBe(true);
    expect(textOf(noScope)).toMatch(/lacks the "write" scope/);
    expect(await h.serviceFor('scoped1').count()).toBe(0);
  });

  it('binds each request to its own tenant so two tenants on one server never see each other', async () => {
    const alice = await freshTenant('alice');
    const bob = await freshTenant('bob');
    const secret = await call(alice.client, 'remember', { text: 'Alice keeps the release signing key in the hardware token.' });
    const id: string = secret.structuredContent.memory.id;
    await call(bob.client, 'remember', { text: 'Bob likes short commit messages.' });

    const bobSearch = await call(bob.client, 'search', { query: 'release signing key hardware token' });
    expect(bobSearch.structuredContent.results.map((r: { id: string }) => r.id)).not.toContain(id);
    expect(bobSearch.structuredContent.results.every((r: { space: string }) => r.space === `kairos_user_${bob.name}`)).toBe(true);
    expect((await call(bob.client, 'list_memories', {})).structuredContent.memories).toHaveLength(1);
    expect((await call(bob.client, 'get_memory', { id })).isError).toBe(true);
    expect((await call(bob.client, 'update_memory', { id, text: 'Bob was here.' })).isError).toBe(true);
    expect((await call(bob.client, 'forget', { id })).isError).toBe(true);

    const intoAlice = await call(bob.client, 'search', { query: 'signing key', spaces: [`kairos_user_${alice.name}`] });
    expect(intoAlice.isError).toBe(true);
    expect(textOf(intoAlice)).toMatch(/no access to space/);
    const writeAlice = await call(bob.client, 'remember', { text: 'Injected.', space: `kairos_user_${alice.name}` });
    expect(writeAlice.isError).toBe(true);

    // Interleaved requests from both clients: each still lands in its own space.
    await Promise.all([
      call(alice.client, 'remember', { text: 'Alice note A.' }),
      call(bob.client, 'remember', { text: 'Bob note B.' }),
      call(alice.client, 'remember', { text: 'Alice note C.' }),
    ]);
    const aliceTexts = (await call(alice.client, 'list_memories', {})).structuredContent.memories.map((m: { text: string }) => m.text);
    expect(aliceTexts.sort()).toEqual(['Alice keeps the release signing key in the hardware token.', 'Alice note A.', 'Alice note C.']);
    expect((await call(alice.client, 'get_memory', { id })).structuredContent.memory.version).toBe(1);
  });

  it('answers an unexpected failure with a generic error that reveals no internals', async () => {
    const broken: Embedder = {
      info: { provider: 'test', model: 'broken', dimension: 3 },
      embed: () => Promise.reject(new Error('socket hang up at /srv/secret/path.js:42')),
    };
    h.tenants.set('broken1', personalContext('broken1', broken));
    const client = await h.connect('broken1');
    const result = await call(client, 'remember', { text: 'This cannot be embedded.' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/unexpected error/);
    expect(textOf(result)).not.toMatch(/socket|secret|\.js/);
    // The detail goes to the server log instead, for the operator.
    expect(h.logs.join('\n')).toMatch(/tool remember failed.*socket hang up/);
  });

  it('answers GET and DELETE on the stateless endpoint with 405 and a JSON-RPC error', async () => {
    h.tenants.set('http1', personalContext('http1', h.embedder));
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(h.url, { method, headers: { 'x-test-tenant': 'http1', accept: 'text/event-stream' } });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
      const body = (await res.json()) as { jsonrpc: string; error: { code: number; message: string } };
      expect(body).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
      expect(body.error.message).toMatch(/POST/);
    }
  });

  it('refuses a request body over 1 MiB before parsing it', async () => {
    h.tenants.set('http3', personalContext('http3', h.embedder));
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'remember', arguments: { text: 'x'.repeat(1_100_000) } } });
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'x-test-tenant': 'http3', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body,
    });
    expect(res.status).toBe(413);
    expect(await h.serviceFor('http3').count()).toBe(0);
  });

  it('answers a malformed JSON body with a JSON-RPC parse error', async () => {
    h.tenants.set('http2', personalContext('http2', h.embedder));
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { 'x-test-tenant': 'http2', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{not json',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
  });
});

describe('retrieval through MCP', () => {
  it('answers a query about nothing stored with no results, and says so', async () => {
    const { client } = await freshTenant();
    for (const text of FACTS) await call(client, 'remember', { text });
    for (const query of ['zzqqxx', 'qwpoeiruty asdlkfj', 'xj9 vq7 pl2', '🦄🦄🦄']) {
      const r = await call(client, 'search', { query });
      expect(r.structuredContent.results, query).toEqual([]);
      expect(textOf(r)).toMatch(/No memories match/);
    }
    const hit = await call(client, 'search', { query: 'which port does the gateway listen on' });
    expect(hit.structuredContent.results[0].text).toBe(FACTS[0]);
  });

  it('finds a short fact from a paraphrased question that shares few of its words (≥ 95 of 100 in the top 5)', async () => {
    const { client } = await freshTenant();
    const facts = serviceFacts(300);
    for (const f of facts) expect((await call(client, 'remember', { text: f.text })).structuredContent.outcome).toBe('created');
    let found = 0;
    const missed: string[] = [];
    for (const q of factQuestions(facts, 100)) {
      const r = await call(client, 'search', { query: q.question, limit: 5 });
      if (r.structuredContent.results.some((x: { text: string }) => x.text === facts[q.fact]!.text)) found++;
      else missed.push(q.question);
    }
    expect(found, missed.join('\n')).toBeGreaterThanOrEqual(95);
  });
});
