import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openaiServer.js';
import { cliBundle, cliEnv, runCli, startServe, type ServeProcess } from '../server/cliProcess.js';
import { removeHome, tempHome } from '../server/helpers.js';

const homes: string[] = [];
async function home(): Promise<string> {
  const h = await tempHome('kairos-cli-');
  homes.push(h);
  return h;
}

beforeAll(async () => {
  await cliBundle();
});

afterAll(async () => {
  for (const h of homes) await removeHome(h);
});

function json(r: { stdout: string }): any {
  return JSON.parse(r.stdout);
}

function expectOneLineError(r: { stderr: string }, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^kairos: /);
  expect(lines[0]).toMatch(pattern);
}

/** The data commands, run against `h`; the same script runs standalone and against a server. */
async function dataCommandsRoundTrip(h: string): Promise<void> {
  const created = await runCli(h, [
    'remember',
    'Use',
    'pnpm',
    'in',
    'the',
    'web',
    'app',
    '--tag',
    'Tooling',
    '--source-uri',
    'file:///repo/web/package.json',
    '--json',
  ]);
  expect(created.code, created.stderr).toBe(0);
  const memory = json(created).memory;
  expect(json(created).outcome).toBe('created');
  expect(memory).toMatchObject({ text: 'Use pnpm in the web app', tags: ['tooling'], source: { kind: 'cli', uri: 'file:///repo/web/package.json' } });

  const dup = await runCli(h, ['remember', 'Use pnpm in the web app']);
  expect(dup.code).toBe(0);
  expect(dup.stdout).toContain(`Already remembered as ${memory.id}`);

  const found = await runCli(h, ['search', 'which', 'package', 'manager', '--limit', '3', '--json']);
  expect(found.code, found.stderr).toBe(0);
  expect(json(found).items[0].memory.id).toBe(memory.id);
  const human = await runCli(h, ['search', 'package manager']);
  expect(human.stdout).toContain('Use pnpm in the web app');

  const listed = await runCli(h, ['list', '--tag', 'tooling', '--json']);
  expect(json(listed).items.map((m: any) => m.id)).toEqual([memory.id]);

  const sup = await runCli(h, ['remember', 'Use pnpm 9 in the web app', '--supersedes', memory.id, '--json']);
  expect(json(sup)).toMatchObject({ outcome: 'superseded', memory: { id: memory.id, version: 2 } });
  const got = await runCli(h, ['get', memory.id, '--json']);
  expect(json(got).history).toEqual([expect.objectContaining({ version: 1, text: 'Use pnpm in the web app' })]);
  const gotHuman = await runCli(h, ['get', memory.id]);
  expect(gotHuman.stdout).toContain('Use pnpm 9 in the web app');
  expect(gotHuman.stdout).toContain('v1 (supersede');

  const exported = await runCli(h, ['export']);
  expect(exported.code).toBe(0);
  const records = exported.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(records.map((r) => r.id)).toContain(memory.id);
  const file = join(h, 'backup.jsonl');
  const toFile = await runCli(h, ['export', file, '--json']);
  expect(json(toFile)).toEqual({ exported: records.length, file });
  expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(records.length);
  const reimport = await runCli(h, ['import', file, '--json']);
  expect(json(reimport)).toMatchObject({ created: 0, duplicate: records.length, failed: 0 });

  const memoryJson = join(h, 'memory.json');
  await writeFile(
    memoryJson,
    [
      JSON.stringify({ type: 'entity', name: 'Kai', entityType: 'Person', observations: ['reviews every migration'] }),
      JSON.stringify({ type: 'relation', from: 'Kai', to: 'Kairos', relationType: 'maintains' }),
    ].join('\n'),
  );
  const imported = await runCli(h, ['import', memoryJson]);
  expect(imported.code, imported.stderr).toBe(0);
  expect(imported.stdout).toContain('Imported 2, skipped 0 duplicates, 0 failed.');
  expect(imported.stderr).toMatch(/Importing/);

  const reembed = await runCli(h, ['reembed', '--json']);
  expect(json(reembed)).toMatchObject({ space: 'kairos_user_local', reembedded: 0 });

  const forgot = await runCli(h, ['forget', memory.id, '--json']);
  expect(json(forgot)).toEqual({ id: memory.id, space: 'kairos_user_local' });
  const gone = await runCli(h, ['get', memory.id]);
  expect(gone.code).toBe(3);
  expectOneLineError(gone, /No memory with id/);
}

describe('kairos CLI without a server (opens the data dir itself)', () => {
  it('runs every data command with --json and human output', { timeout: 240_000 }, async () => {
    await dataCommandsRoundTrip(await home());
  });

  it('exits 2 on usage errors and invalid input, with one error line and no stack trace', async () => {
    const h = await home();
    const cases: Array<[string[], RegExp]> = [
      [['remember', ''], /"text" must not be empty/],
      [['search', 'x', '--limit', 'abc'], /positive whole number/],
      [['frobnicate'], /unknown command/],
      [['import', join(h, 'missing.jsonl')], /no such file/],
      [['import', join(h, 'missing.jsonl'), '--format', 'csv'], /--format must be jsonl or mcp-memory/],
      [['list', '--space', 'nope'], /kairos_user_<id>/],
    ];
    for (const [args, pattern] of cases) {
      const r = await runCli(h, args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(/^kairos: /);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('exits 4 for a space the local user has no access to', async () => {
    const r = await runCli(await home(), ['list', '--space', 'kairos_org_someone']);
    expect(r.code).toBe(4);
    expectOneLineError(r, /no access to space/);
  });

  it('prints the same token every time, and refuses `console` when no server runs', async () => {
    const h = await home();
    const first = await runCli(h, ['token']);
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe((await readFile(join(h, 'token'), 'utf8')).trim());
    expect(json(await runCli(h, ['token', '--json']))).toEqual({ token: first.stdout.trim() });
    const c = await runCli(h, ['console']);
    expect(c.code).toBe(6);
    expectOneLineError(c, /No Kairos server is running/);
  });

  it('shows examples in every command help', async () => {
    const h = await home();
    for (const cmd of ['serve', 'mcp', 'remember', 'search', 'list', 'get', 'forget', 'export', 'import', 'reembed', 'token', 'console']) {
      const r = await runCli(h, [cmd, '--help']);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 0 });
      expect(r.stdout).toContain('Examples:');
    }
  });

  describe('with an embedder mismatch', () => {
    let fake: FakeOpenAI;
    beforeAll(async () => {
      fake = await startFakeOpenAI();
    });
    afterAll(async () => {
      await fake?.close();
    });

    it('exits 5 with the reembed hint, and `kairos reembed` repairs the space', async () => {
      const h = await home();
      const openai = { KAIROS_EMBEDDER: 'openai', KAIROS_OPENAI_API_KEY: 'sk-test-cli-key', KAIROS_OPENAI_BASE_URL: fake.baseURL };
      const bundle = await cliBundle();
      expect(bundle).toBeTruthy();
      const made = await runCli(h, ['remember', 'Embedded remotely first', '--json'], { env: openai });
      expect(made.code, made.stderr).toBe(0);
      const r = await runCli(h, ['search', 'remotely']);
      expect(r.code).toBe(5);
      expectOneLineError(r, /kairos reembed --space kairos_user_local/);
      const re = await runCli(h, ['reembed', '--json']);
      expect(re.code, re.stderr).toBe(0);
      expect(json(re)).toMatchObject({ reembedded: 1, embedder: { provider: 'local' } });
      expect(re.stderr).toContain('Re-embedding');
      expect(json(await runCli(h, ['search', 'remotely', '--json'])).items).toHaveLength(1);
    });
  });
});

describe('kairos CLI with a server running (talks HTTP)', () => {
  let h: string;
  let server: ServeProcess;

  beforeAll(async () => {
    h = await home();
    server = await startServe(h);
  });

  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
  });

  it('runs every data command through the server while it holds the data dir', { timeout: 240_000 }, async () => {
    await dataCommandsRoundTrip(h);
    const viaServer = await server.api('GET', '/v1/memories?tag=person');
    expect(viaServer.json.items.map((m: any) => m.text)).toEqual(['Kai: reviews every migration']);
  });

  it('prints a fresh single-use console login link', async () => {
    const r = await runCli(h, ['console', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { url } = json(r);
    expect(url).toMatch(new RegExp(`^${server.url}/\\?token=`));
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(302);
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(401);
  });

  it('relays `kairos mcp` over stdio to the running server instead of opening its data dir', async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [await cliBundle(), 'mcp'],
      env: cliEnv(h) as Record<string, string>,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'cli-proxy-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect(client.getInstructions()).toContain('Kairos');
      const tools = (await client.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(expect.arrayContaining(['remember', 'search']));
      const r = await client.callTool({ name: 'remember', arguments: { text: 'Relayed through the stdio proxy', tags: ['proxy'] } });
      expect(r.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    const viaServer = await server.api('GET', '/v1/memories?tag=proxy');
    expect(viaServer.json.items.map((m: any) => m.text)).toEqual(['Relayed through the stdio proxy']);
  });
});

describe('kairos mcp over stdio', () => {
  it('serves remember and search to the SDK client, and holds the data dir while it runs', async () => {
    const h = await home();
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [await cliBundle(), 'mcp'],
      env: cliEnv(h) as Record<string, string>,
      stderr: 'pipe',
    });
    const client = new Client({ name: 'cli-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const remembered = await client.callTool({ name: 'remember', arguments: { text: 'Stdio agents can remember things too', tags: ['stdio'] } });
      expect(remembered.isError).toBeFalsy();
      const found = await client.callTool({ name: 'search', arguments: { query: 'what can stdio agents do' } });
      expect(found.isError).toBeFalsy();
      expect(JSON.stringify(found.content)).toContain('Stdio agents can remember things too');

      const locked = await runCli(h, ['list']);
      expect(locked.code).toBe(6);
      expectOneLineError(locked, /in use/);
    } finally {
      await client.close();
    }
    const after = await runCli(h, ['list', '--json']);
    expect(after.code, after.stderr).toBe(0);
    expect(json(after).items.map((m: any) => m.text)).toEqual(['Stdio agents can remember things too']);
  });
});

// File-system failures: each ends as one `kairos: …` line with a documented exit code
// (2 a bad path, 3 nothing there, 7 cannot read or write), never a stack trace.
/** One `kairos:` line (after any non-TTY progress lines), the exit code, no stack trace. */
function oneLine(r: { stderr: string; code: number | null }, code: number, pattern: RegExp): void {
  // Progress lines (non-TTY) may come first; the error is the one kairos: line.
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((l) => !/^Importing: /.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^kairos: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at |unexpected error/);
  expect(r.code).toBe(code);
}

describe('kairos CLI file-system errors', () => {
  it('answers a missing folder, a directory and /dev/zero with one line each', { timeout: 180_000 }, async () => {
    const h = await home();
    oneLine(await runCli(h, ['export', join(h, 'no-such-dir', 'x.jsonl')]), 2, /no-such-dir\/x\.jsonl: no such file or directory/);
    oneLine(await runCli(h, ['export', h]), 2, /is a directory/);
    oneLine(await runCli(h, ['import', h]), 2, /is a directory/);
    oneLine(await runCli(h, ['import', '/dev/zero'], { env: { KAIROS_MAX_IMPORT_BYTES: String(1024 * 1024) } }), 2, /larger than 1048576 bytes/);
  });

  it('refuses `keys rotate-master` on a fresh home instead of inventing a master key', async () => {
    const h = join(await home(), 'fresh');
    oneLine(await runCli(h, ['keys', 'rotate-master']), 3, /No master key in .*fresh/);
  });

  it.skipIf(process.getuid?.() === 0)('answers an unreadable file with exit 7 (skipped as root, which can read anything)', async () => {
    const h = await home();
    const file = join(h, 'secret.jsonl');
    await writeFile(file, '{"text":"x"}\n');
    await chmod(file, 0o000);
    oneLine(await runCli(h, ['import', file]), 7, /permission denied/);
    await mkdir(join(h, 'ro'), { mode: 0o500 });
    oneLine(await runCli(h, ['export', join(h, 'ro', 'x.jsonl')]), 7, /permission denied/);
  });
});
