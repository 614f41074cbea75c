import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf } from './harness.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

let bundleDir: string;
let serverScript: string;
let dataDir: string;

beforeAll(async () => {
  // Inside the checkout (test-output/ is git-ignored) so the bundle's external imports resolve
  // from the project's node_modules.
  await mkdir(join(root, 'test-output'), { recursive: true });
  bundleDir = await mkdtemp(join(root, 'test-output', 'mcp-stdio-'));
  serverScript = join(bundleDir, 'stdio-server.mjs');
  await build({
    entryPoints: [join(root, 'test/mcp/fixtures/stdio-server.ts')],
    outfile: serverScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  dataDir = await mkdtemp(join(tmpdir(), 'kairos-mcp-stdio-'));
});

afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

function collect(stream: Readable | null | undefined): () => string {
  let out = '';
  stream?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  return () => out;
}

async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult & { structuredContent?: any }> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

describe('MCP over stdio', () => {
  it('serves every tool to the SDK stdio client and exits by itself when the client disconnects', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [serverScript],
      env: { ...getDefaultEnvironment(), KAIROS_TEST_DATA_DIR: dataDir },
      stderr: 'pipe',
    });
    const stderr = collect(transport.stderr as Readable | null);
    const client = new Client({ name: 'kairos-stdio-test', version: '1.0.0' });
    const transportErrors: Error[] = [];
    client.onerror = (e) => transportErrors.push(e);
    await client.connect(transport);
    const child = (transport as unknown as { _process?: import('node:child_process').ChildProcess })._process;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child?.once('exit', (code, signal) => done({ code, signal })));

    expect(client.getServerVersion()).toMatchObject({ name: 'kairos', version: 'test' });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['forget', 'get_memory', 'list_memories', 'remember', 'search', 'update_memory']);

    const created = await call(client, 'remember', { text: 'The CI runners have two CPU cores each.', tags: ['ci'] });
    expect(created.structuredContent.outcome).toBe('created');
    const id: string = created.structuredContent.memory.id;
    // Over stdio the client's name is known, so the memory records which agent captured it.
    expect(created.structuredContent.memory.source).toEqual({ kind: 'agent', actor: 'agent', client: 'kairos-stdio-test', clientVersion: '1.0.0' });
    expect((await call(client, 'remember', { text: 'The CI runners have two CPU cores each.' })).structuredContent.outcome).toBe('duplicate');
    await call(client, 'remember', { text: 'Python services are formatted with black and ruff.' });

    const found = await call(client, 'search', { query: 'how many cores do the CI machines have' });
    expect(found.structuredContent.results[0].id).toBe(id);

    const updated = await call(client, 'update_memory', { id, text: 'The CI runners have four CPU cores each since May.' });
    expect(updated.structuredContent.memory.version).toBe(2);

    const got = await call(client, 'get_memory', { id });
    expect(got.structuredContent.history[0].text).toBe('The CI runners have two CPU cores each.');

    const listed = await call(client, 'list_memories', { limit: 1 });
    expect(listed.structuredContent.memories).toHaveLength(1);
    expect(listed.structuredContent.nextCursor).toEqual(expect.any(String));

    expect((await call(client, 'forget', { id })).structuredContent.forgotten).toBe(true);
    const missing = await call(client, 'get_memory', { id });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toMatch(/No memory with id/);

    await client.close();
    // Anything but protocol messages on stdout would have surfaced as a transport error.
    expect(transportErrors).toEqual([]);
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stderr()).toContain('stdio-server: closed cleanly');
  });

  it('answers requests piped in before stdin closes, writing only JSON-RPC to stdout', async () => {
    const child = spawn(process.execPath, [serverScript], {
      env: { ...process.env, KAIROS_TEST_DATA_DIR: dataDir },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout = collect(child.stdout);
    const stderr = collect(child.stderr);
    const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

    const messages = [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'pipe', version: '1' } } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'remember', arguments: { text: 'Piped memories are answered before exit.' } } },
      // The SDK runs requests concurrently, so nothing here depends on the remember above.
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'get_memory', arguments: { id: 'no-such-id' } } },
    ];
    child.stdin.end(messages.map((m) => JSON.stringify(m)).join('\n') + '\n');

    expect(await exited).toBe(0);
    const lines = stdout().split('\n').filter(Boolean);
    const replies = lines.map((l) => JSON.parse(l) as { id: number; result: CallToolResult & { structuredContent?: any } }).sort((a, b) => a.id - b.id);
    expect(replies.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(replies[1]?.result.structuredContent.outcome).toBe('created');
    expect(replies[2]?.result.isError).toBe(true);
    expect(stderr()).toContain('stdio-server: closed cleanly');
  });
});
