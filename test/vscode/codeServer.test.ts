/**
 * The real-VS-Code suite: the packaged VSIX in code-server 4.103.2 (VS Code 1.103.2), driven in
 * Chromium. Skips with a visible reason when code-server cannot be installed or Chromium is
 * missing (set KAIROS_SKIP_VSCODE=1 to skip on purpose).
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installCodeServer, openWorkbench, removeOwnTestDirs, ROOT, type CodeServer, type Workbench } from './harness.js';

const install = installCodeServer();
if (!install.bin) {
  // Visible in the test output: this suite is skipped, not passed.
  process.stderr.write(`\n[test/vscode] SKIPPED the real-VS-Code suite: ${install.reason}\n\n`);
}

const SCREENSHOTS = join(ROOT, 'test-output/screenshots');
const TEST_KEY = 'sk-kairos-e2e-SECRET-7f3a9c2b1d4e5f60';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...filesUnder(p));
    else if (st.size < 20_000_000) out.push(p);
  }
  return out;
}

describe.skipIf(!install.bin)('Kairos in a real VS Code (code-server 4.103.2)', () => {
  let wb: Workbench;
  let cs: CodeServer;
  let page: Page;
  let engineHome: string;
  const metrics: Record<string, unknown> = {};

  const sidebarFrame = (): FrameLocator => wb.sidebar();
  const palette = (command: string): Promise<void> => wb.palette(command);

  beforeAll(async () => {
    wb = await openWorkbench(install.bin!, 'vscode', (workspace) =>
      writeFileSync(
        join(workspace, 'src', 'retry.ts'),
        'export const RETRIES = 3;\n\n// Backoff doubles from 250 ms and stops at 8 s.\nexport function backoff(attempt: number): number {\n  return Math.min(250 * 2 ** attempt, 8000);\n}\n',
      ),
    );
    cs = wb.cs;
    page = wb.page;
  }, 600_000);

  afterAll(async () => {
    // The engine is detached by design (it may serve other windows): stop the one we caused.
    await wb?.close(engineHome);
    process.stderr.write(`\n[test/vscode] measurements: ${JSON.stringify(metrics)}\n`);
    mkdirSync(join(ROOT, 'test-output'), { recursive: true });
    writeFileSync(join(ROOT, 'test-output', 'vscode-metrics.json'), JSON.stringify(metrics, null, 2));
  });

  it('activates without errors and reports its activation time', async () => {
    const info = await cs.control<{ isActive: boolean; activationMs: number; engineHome: string; state: { mode: string; engine: string } }>('kairosInfo');
    expect(info.isActive).toBe(true);
    expect(info.state.mode).toBe('local');
    // Lazy: activation must not have started the engine.
    expect(info.state.engine).toBe('stopped');
    expect(info.activationMs).toBeGreaterThan(0);
    metrics.activationMs = Math.round(info.activationMs * 10) / 10;
    engineHome = info.engineHome;
    expect(cs.output()).not.toMatch(/Activating extension 'kairos\.kairos' failed/);
  });

  it('opens the Kairos view and its webview renders the memory UI (light and dark screenshots)', async () => {
    await cs.control('exec', { command: 'kairos.memories.focus' });
    const frame = sidebarFrame();
    await frame.locator('#search').waitFor({ timeout: 60_000 });
    await expect(frame.locator('#app').count()).resolves.toBe(1);
    mkdirSync(SCREENSHOTS, { recursive: true });
    await frame.locator('.empty, .rows').first().waitFor({ timeout: 60_000 });
    await page.locator('[id="workbench.parts.sidebar"]').screenshot({ path: join(SCREENSHOTS, 'sidebar-light.png') });
    await cs.control('setConfig', { section: 'workbench', key: 'colorTheme', value: 'Default Dark Modern' });
    await page.waitForTimeout(1_500);
    await page.locator('[id="workbench.parts.sidebar"]').screenshot({ path: join(SCREENSHOTS, 'sidebar-dark.png') });
    await cs.control('setConfig', { section: 'workbench', key: 'colorTheme', value: 'Default Light Modern' });
  });

  it('remembers a selection with its file as source, finds it from the sidebar and opens the file at the range', async () => {
    const file = join(cs.workspace, 'src', 'retry.ts');
    const selected = await cs.control<string>('openAndSelect', { path: file, startLine: 2, startCharacter: 0, endLine: 2, endCharacter: 48 });
    expect(selected).toContain('Backoff doubles');
    const r = await cs.control<{ id: string; outcome: string }>('exec', { command: 'kairos.rememberSelection' });
    expect(r.outcome).toBe('created');
    await cs.control('closeEditors');

    await cs.control('exec', { command: 'kairos.memories.focus' });
    const frame = sidebarFrame();
    await frame.locator('#search').click();
    await page.keyboard.type('backoff doubles');
    const row = frame.locator('.row', { hasText: 'Backoff doubles' }).first();
    await row.waitFor({ timeout: 30_000 });
    await expect(row.locator('.source').innerText()).resolves.toContain('retry.ts');
    await row.click();
    await frame.locator('a.source.link').click();
    await expect.poll(async () => (await cs.control<{ uri: string } | null>('activeEditor'))?.uri, { timeout: 15_000 }).toMatch(/src\/retry\.ts$/);
    const active = await cs.control<{ start: number[]; end: number[] }>('activeEditor');
    expect(active.start).toEqual([2, 0]);
    expect(active.end).toEqual([2, 48]);
    // One fresh-clone CI run on a loaded machine went past 60 s in this test (cause not found); it gets more time.
  }, 150_000);

  it('measures the extension-host main-thread time of a sidebar search', async () => {
    const m = await cs.control<{ wallMsPerSearch: number; mainThreadMsPerSearch: number; hits: number }>('measureSearch', { query: 'backoff', runs: 20 });
    expect(m.hits).toBeGreaterThan(0);
    metrics.search = m;
  });

  it('the MCP definition answers tools/list through the SDK client with its URI and headers', async () => {
    const provided = await cs.control<Array<{ headers: Record<string, string> }>>('provideMcp');
    // Offered before any engine runs: the workspace repo (folder name, no remote here), no credential.
    expect(provided[0]?.headers).toEqual({ 'X-Kairos-Repo': 'local/workspace' });
    const def = await cs.control<{ label: string; uri: string; headers: Record<string, string> }>('resolveMcp');
    expect(def.uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(def.headers['X-Kairos-Repo']).toBe('local/workspace');
    // This window's own registered bearer, not the data dir's long-lived token.
    expect(def.headers.Authorization).toMatch(/^Bearer [A-Za-z0-9_-]{43}$/);
    expect(def.headers.Authorization).not.toBe(`Bearer ${readFileSync(join(engineHome, 'token'), 'utf8').trim()}`);
    const client = new Client({ name: 'kairos-e2e', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(def.uri), { requestInit: { headers: def.headers } }));
    const { tools } = await client.listTools();
    await client.close();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['remember']));
    metrics.mcpTools = tools.map((t) => t.name);
  });

  it('"MCP: List Servers" lists Kairos', async () => {
    await palette('MCP: List Servers');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Kairos' }).first();
    await row.waitFor({ timeout: 20_000 });
    await page.keyboard.press('Escape');
  });

  it('Set Embedding API Key stores the key in secret storage and nowhere in settings, webview or logs', async () => {
    await palette('Kairos: Set Embedding API Key');
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'OpenAI' }).first().waitFor();
    await input.fill('OpenAI');
    await page.keyboard.press('Enter');
    await expect.poll(() => input.getAttribute('type')).toBe('password');
    await input.fill(TEST_KEY);
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts', { hasText: 'Saved the openai key' }).waitFor({ timeout: 60_000 });

    expect(await cs.control('keyHint', { provider: 'openai' })).toBe(`openai …${TEST_KEY.slice(-4)}`);

    const settingsFiles = [join(cs.userDataDir, 'User', 'settings.json')];
    for (const f of settingsFiles) expect(readFileSync(f, 'utf8')).not.toContain(TEST_KEY);
    await cs.control('exec', { command: 'kairos.memories.focus' });
    const html = await sidebarFrame().locator('html').innerHTML();
    expect(html).not.toContain(TEST_KEY);
    for (const f of filesUnder(join(cs.userDataDir, 'logs'))) expect(readFileSync(f, 'utf8'), f).not.toContain(TEST_KEY);
    expect(readFileSync(join(engineHome, 'engine.log'), 'utf8')).not.toContain(TEST_KEY);
  });

  it('signs in with a test authentication provider and reaches remote mode against a local kairos serve', async () => {
    const token = readFileSync(join(engineHome, 'token'), 'utf8').trim();
    const engineUrl = (JSON.parse(readFileSync(join(engineHome, 'engine.json'), 'utf8')) as { url: string }).url;
    // The stand-in account's access token is one the local server accepts (see the report).
    await cs.control('setToken', { token });
    await cs.control('setConfig', { section: 'kairos', key: 'serverUrl', value: engineUrl });
    await cs.control('setConfig', { section: 'kairos', key: 'mode', value: 'remote' });
    expect(await cs.control('provideMcp')).toEqual([]);
    const signIn = cs.control<{ account: string } | null>('exec', { command: 'kairos.signIn', args: ['kairos-test'] });
    const allow = page.locator('.monaco-dialog-box .monaco-button', { hasText: 'Allow' });
    await allow.waitFor({ timeout: 30_000 });
    await allow.click();
    expect(await signIn).toEqual({ account: 'octo-tester' });
    const def = await cs.control<{ uri: string; headers: Record<string, string> }>('resolveMcp');
    expect(def.uri).toBe(`${engineUrl}/mcp`);
    expect(def.headers.Authorization).toBe(`Bearer ${token}`);
    const m = await cs.control<{ hits: number }>('measureSearch', { query: 'backoff', runs: 3 });
    expect(m.hits).toBeGreaterThan(0);
    type Info = { state: { auth: { signedIn: boolean }; statusText: string } };
    const info = await cs.control<Info>('kairosInfo');
    expect(info.state.auth.signedIn).toBe(true);
    // The status bar repaints after the sign-in event's count refresh completes.
    await expect.poll(async () => (await cs.control<Info>('kairosInfo')).state.statusText).toContain('octo-tester');
  });
});

afterAll(() => {
  removeOwnTestDirs();
});
