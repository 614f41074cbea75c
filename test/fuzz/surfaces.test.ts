/**
 * Property-based fuzzing of the REST surface, the MCP surface (real SDK client over Streamable
 * HTTP) and the import parser of a real local server. Properties: every answer is 2xx or 4xx
 * (never 5xx, never a hang, never a stack trace in the log), and whatever the server
 * acknowledged reads back exactly as it was acknowledged. Fixed seed, bounded runs; set
 * KAIROS_FUZZ_RUNS=2000 for a long run.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LineError, parsePortable, splitLines } from '../../src/core/portable.js';
import { setLogSink, type LogSink } from '../../src/util/logger.js';
import { call, hashEmbedder, removeHome, startTestServer, type ApiResponse, type TestServer } from '../server/helpers.js';
import { DEEP_JSON_TEXT, FUZZ, fuzzParams, memoryBody, nastyJson, nastyNumber, nastyString, percentEncode } from './arbitraries.js';

// A long run (KAIROS_FUZZ_RUNS) needs time in proportion; the default run keeps the suite's 60 s.
if (FUZZ.runs) vi.setConfig({ testTimeout: 60_000 + FUZZ.runs * 1_000 });

/** Longest any single request may take before it counts as a hang. */
const HANG_MS = 10_000;

let s: TestServer;
let mcp: Client;
const logs: string[] = [];
let prevSink: LogSink;

beforeAll(async () => {
  prevSink = setLogSink((l) => logs.push(l));
  s = await startTestServer(undefined, { KAIROS_MAX_IMPORT_BYTES: String(16 * 1024 * 1024) }, { embedder: hashEmbedder });
  mcp = new Client({ name: 'kairos-fuzz', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${s.token}` } } }));
});

afterAll(async () => {
  await mcp?.close();
  await s?.close();
  if (s) await removeHome(s.home);
  setLogSink(prevSink);
});

async function api(method: string, path: string, opts: { body?: unknown; raw?: string } = {}): Promise<ApiResponse> {
  const raw = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
  const r = await Promise.race([
    call(s.url, method, path, s.token, raw === undefined ? {} : { raw, headers: { 'content-type': 'application/json' } }),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`hang: ${method} ${path}`)), HANG_MS)),
  ]);
  expect(r.status, `${method} ${path.slice(0, 80)} → ${r.status} ${r.text.slice(0, 200)}`).toBeLessThan(500);
  return r;
}

function noStackLogged(): void {
  expect(logs.filter((l) => /unexpected error|"stack"|ERROR/.test(l)).slice(0, 3)).toEqual([]);
}

describe('REST under random input', () => {
  it('answers random bodies on every write route with 2xx/4xx, and reads back exactly what it acknowledged', async () => {
    await fc.assert(
      fc.asyncProperty(memoryBody, async (body) => {
        const r = await api('POST', '/v1/memories', { body });
        if (r.status === 200 || r.status === 201) {
          const acked = r.json.memory;
          const back = await api('GET', `/v1/memories/${encodeURIComponent(acked.id)}`);
          expect(back.status).toBe(200);
          expect({ text: back.json.text, tags: back.json.tags, source: back.json.source, version: back.json.version }).toEqual({
            text: acked.text,
            tags: acked.tags,
            source: acked.source,
            version: acked.version,
          });
          if (r.status === 201) expect(acked.text).toBe((body.text as string).trim());
        }
      }),
      fuzzParams(25),
    );
    noStackLogged();
  });

  it('answers random JSON, query strings and paths on every route with 2xx/4xx', async () => {
    const routes: Array<[string, string]> = [
      ['POST', '/v1/memories'],
      ['POST', '/v1/search'],
      ['PATCH', '/v1/memories/x'],
      ['POST', '/v1/memories/x/restore'],
      ['PUT', '/v1/settings'],
      ['POST', '/v1/clients'],
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), nastyJson, async ([method, path], body) => {
        let raw: string;
        try {
          raw = JSON.stringify(body) ?? 'null';
        } catch {
          raw = '[]'; // deeper than JSON.stringify can go: the server gets no chance to see it
        }
        await api(method, path, { raw });
      }),
      fuzzParams(40),
    );
    for (const raw of DEEP_JSON_TEXT) for (const [method, path] of routes) await api(method, path, { raw });
    await fc.assert(
      fc.asyncProperty(nastyString, nastyString, nastyNumber, async (a, b, n) => {
        const q = (v: string): string => percentEncode(v.slice(0, 2000));
        await api('GET', `/v1/memories?tag=${q(a)}&limit=${encodeURIComponent(String(n))}`);
        await api('GET', `/v1/memories/${q(b) || 'x'}`);
        await api('GET', `/v1/memories?cursor=${q(a)}`);
        await api('DELETE', `/v1/memories/${q(a) || 'x'}?space=${q(b)}`);
        await api('POST', '/v1/search', { body: { query: a, limit: n, cursor: b } });
        await api('POST', `/v1/memories/${q(b) || 'x'}/restore`, { body: { version: n } });
      }),
      fuzzParams(25),
    );
    noStackLogged();
  });
});

function toolText(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** A tool call either succeeds, fails as a tool the agent can act on, or is refused as invalid params: never an internal failure. */
async function tool(name: string, args: Record<string, unknown>): Promise<CallToolResult | undefined> {
  try {
    const r = (await Promise.race([
      mcp.callTool({ name, arguments: args }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`hang: ${name}`)), HANG_MS)),
    ])) as CallToolResult;
    expect(toolText(r), `${name} ${JSON.stringify(args).slice(0, 200)}`).not.toMatch(/unexpected error/i);
    return r;
  } catch (e) {
    // -32602 invalid params: the SDK's schema check refused the call before Kairos saw it.
    if (e instanceof McpError && e.code === -32602) return undefined;
    // An HTTP 4xx from the transport (a body over the 1 MiB cap): refused, not failed.
    const status = (e as { code?: unknown }).code;
    if (typeof status === 'number' && status >= 400 && status < 500) return undefined;
    throw e;
  }
}

describe('MCP under random input (SDK client)', () => {
  it('answers random tool arguments without internal errors, and get_memory returns what remember acknowledged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('remember', 'search', 'get_memory', 'update_memory', 'forget', 'list_memories'),
        fc.dictionary(
          fc.constantFrom('text', 'query', 'id', 'tags', 'source', 'limit', 'cursor', 'space', 'patch', nastyString as unknown as string),
          nastyJson,
          { maxKeys: 4 },
        ),
        async (name, args) => {
          await tool(name, args);
        },
      ),
      fuzzParams(40),
    );
    await fc.assert(
      fc.asyncProperty(nastyString, fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }), nastyString, async (text, tags, uri) => {
        const r = await tool('remember', { text, tags, source: { uri } });
        if (!r || r.isError) return;
        const sc = r.structuredContent as { memory: { id: string; text: string; tags: string[]; truncated: boolean } };
        const got = await tool('get_memory', { id: sc.memory.id });
        expect(got?.isError).toBeFalsy();
        const full = (got!.structuredContent as { memory: { text: string; tags: string[]; source: { uri?: string } } }).memory;
        if (!sc.memory.truncated) expect(full.text).toBe(sc.memory.text);
        expect(full.tags).toEqual(sc.memory.tags);
        if (r.structuredContent && (r.structuredContent as { outcome: string }).outcome === 'created') {
          expect(full.text).toBe(text.trim());
          expect(full.source.uri).toBe(uri);
        }
      }),
      fuzzParams(25),
    );
    noStackLogged();
  });
});

describe('import under random input', () => {
  it('parses any line into items or a numbered line error, never throwing anything else', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            nastyString,
            nastyJson.map((v) => {
              try {
                return JSON.stringify(v) ?? '';
              } catch {
                return '[';
              }
            }),
          ),
          { maxLength: 8 },
        ),
        async (lines) => {
          const errors: LineError[] = [];
          const items = [];
          for await (const item of parsePortable(
            lines.map((l) => l.replace(/\n/g, ' ')),
            { onLineError: (e) => errors.push(e) },
          ))
            items.push(item);
          for (const e of errors) expect(e.line).toBeGreaterThan(0);
          for (const item of items) expect(item.line).toBeGreaterThan(0);
        },
      ),
      fuzzParams(200),
    );
  });

  it('imports random files over REST with 200 (or 413), counting every line, and stores imported text exactly', async () => {
    const record = fc.record(
      {
        text: nastyString,
        tags: fc.array(nastyString, { maxLength: 2 }),
        updatedAt: fc.oneof(fc.constant('2026-01-01T00:00:00Z'), nastyString),
        history: fc.array(
          fc.record({
            version: nastyNumber,
            text: nastyString,
            tags: fc.constant([]),
            source: fc.constant({ kind: 'api' }),
            replacedAt: fc.constant('2026-01-01T00:00:00Z'),
            reason: fc.constant('update'),
          }),
          { maxLength: 2 },
        ),
      },
      { requiredKeys: ['text'] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            record.map((r) => JSON.stringify(r)),
            nastyString.map((x) => x.replace(/\n/g, ' ')),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        async (lines) => {
          const r = await api('POST', '/v1/import', { raw: lines.join('\n') });
          if (r.status !== 200) {
            expect(r.status).toBe(413);
            return;
          }
          const nonBlank = lines.filter((l) => l.trim()).length;
          expect(r.json.created + r.json.duplicate + r.json.failed).toBe(nonBlank);
          for (const e of r.json.errors) expect(e.message).toMatch(/^Line \d+: /);
        },
      ),
      fuzzParams(15),
    );
    const exported = (await api('GET', '/v1/export')).text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { text: string; version: number });
    for (const m of exported) {
      expect(m.text).not.toMatch(/\u0000/);
      expect(m.version).toBeLessThanOrEqual(1_000_000);
    }
    noStackLogged();
  });

  it('splits a huge line-less stream with a clear error instead of growing without bound', async () => {
    async function* zeros(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 64; i++) yield new Uint8Array(256 * 1024);
    }
    const lines = splitLines(zeros(), 4 * 1024 * 1024);
    await expect(
      (async () => {
        for await (const _ of lines) {
          /* drain */
        }
      })(),
    ).rejects.toThrow(/Line 1 is longer than/);
  });
});
