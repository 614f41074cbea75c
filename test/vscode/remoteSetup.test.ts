/**
 * In a real VS Code (code-server 4.103.2 = VS Code 1.103.2) with the packaged VSIX: remote mode
 * without a server URL shows the view's setup panel with its actions (and never the old local
 * list), which goes when the user switches back to local; "Kairos: Restart Local Engine" makes
 * VS Code reconnect its MCP client to the new engine, so the Kairos tools work again through
 * vscode.lm (the agent-mode path). Saves the sidebar screenshots under docs/images.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipAfterFirstFailure } from '../e2e/harness.js';
import { installCodeServer, openWorkbench, removeOwnTestDirs, ROOT, type Workbench } from './harness.js';

const install = installCodeServer();
if (!install.bin) process.stderr.write(`\n[test/vscode] SKIPPED the remote-setup suite: ${install.reason}\n\n`);

const IMAGES = join(ROOT, 'docs', 'images');

describe.skipIf(!install.bin)('remote setup panel and engine restart in a real VS Code', () => {
  skipAfterFirstFailure();
  let wb: Workbench;
  let page: Page;
  let engineHome: string | undefined;
  const metrics: Record<string, unknown> = {};

  const view = (): FrameLocator => wb.sidebar();
  type Info = { engineHome: string; state: { engine: string; connection?: { url: string; pid: number } } };
  const info = (): Promise<Info> => wb.cs.control<Info>('kairosInfo');
  const kairosTools = async (): Promise<string[]> => (await wb.cs.control<string[]>('lmTools')).filter((n) => /kairos/i.test(n)).sort();

  /** Light and dark shots of the side bar, for the docs. */
  async function shots(name: string): Promise<void> {
    mkdirSync(IMAGES, { recursive: true });
    const bar = page.locator('[id="workbench.parts.sidebar"]');
    await bar.screenshot({ path: join(IMAGES, `${name}-light.png`) });
    await wb.cs.control('setConfig', { section: 'workbench', key: 'colorTheme', value: 'Default Dark Modern' });
    await page.waitForTimeout(1_500);
    await bar.screenshot({ path: join(IMAGES, `${name}-dark.png`) });
    await wb.cs.control('setConfig', { section: 'workbench', key: 'colorTheme', value: 'Default Light Modern' });
    await page.waitForTimeout(500);
  }

  /** Spawn → registered with the engine, per start, from the Kairos output channel's log file. */
  function engineStartTimes(): number[] {
    const logs = join(wb.cs.userDataDir, 'logs');
    const file = readdirSync(logs, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('Kairos.log'));
    const at = (line: string): number => Date.parse(line.slice(0, 23).replace(' ', 'T'));
    const lines = file ? readFileSync(join(logs, file), 'utf8').split('\n') : [];
    const starts = lines.filter((l) => l.includes('starting engine')).map(at);
    const ready = lines.filter((l) => l.includes('engine started')).map(at);
    return ready.map((r, i) => r - (starts[i] ?? r));
  }

  /** A tool call through VS Code, clicking through its confirmation if it asks. */
  async function invoke(name: string, input: unknown): Promise<string> {
    const call = wb.cs.control<string>('invokeTool', { name, input });
    let done = false;
    void call.finally(() => (done = true)).catch(() => undefined);
    const confirm = page
      .locator('.monaco-dialog-box .monaco-button, .chat-confirmation-widget .monaco-button', { hasText: /^(Yes|Allow|Continue|Run)$/ })
      .first();
    while (!done) {
      if (await confirm.isVisible().catch(() => false)) await confirm.click().catch(() => undefined);
      await page.waitForTimeout(250);
    }
    return call;
  }

  beforeAll(async () => {
    wb = await openWorkbench(install.bin!, 'remote-setup');
    page = wb.page;
    engineHome = (await info()).engineHome;
  }, 600_000);

  afterAll(async () => {
    if (wb) {
      const logs = join(ROOT, 'test-output', 'vscode-remote-setup-logs');
      rmSync(logs, { recursive: true, force: true });
      mkdirSync(logs, { recursive: true });
      for (const f of readdirSync(join(wb.cs.userDataDir, 'logs'), { recursive: true, encoding: 'utf8' })) {
        if (/mcp|exthost|Kairos/i.test(f) && f.endsWith('.log'))
          writeFileSync(join(logs, f.replace(/[\\/]/g, '_')), readFileSync(join(wb.cs.userDataDir, 'logs', f)));
      }
    }
    await wb?.close(engineHome);
    process.stderr.write(`\n[test/vscode remote-setup] measurements: ${JSON.stringify(metrics)}\n`);
  });

  it('shows the local list with a memory in it', async () => {
    await wb.cs.control('exec', { command: 'kairos.memories.focus' });
    await view().locator('.empty, .rows').first().waitFor({ timeout: 90_000 });
    const def = await wb.cs.control<{ uri: string; headers: Record<string, string> }>('resolveMcp');
    const res = await fetch(def.uri.replace(/\/mcp$/, '/v1/memories'), {
      method: 'POST',
      headers: { ...def.headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: 'The nightly build publishes to the staging registry' }),
    });
    expect(res.status).toBe(201);
    await view().locator('li.row', { hasText: 'nightly build' }).waitFor({ timeout: 10_000 });
    metrics.engineStartMs = engineStartTimes();
    await shots('sidebar-list');
  });

  it('remote mode without a server URL shows the setup panel with its actions, not the local list', async () => {
    await wb.cs.control('setConfig', { section: 'kairos', key: 'mode', value: 'remote' });
    const setup = view().locator('#setup[data-reason=no-server-url]');
    await setup.waitFor({ timeout: 15_000 });
    await expect(setup.locator('#setup-title').textContent()).resolves.toBe('Connect to your Kairos service');
    await expect(view().getByRole('button', { name: 'Set server URL' }).count()).resolves.toBe(1);
    await expect(view().getByRole('button', { name: 'Sign in' }).count()).resolves.toBe(1);
    expect(await view().locator('li.row').count()).toBe(0);
    expect(await view().locator('.banner[role=alert]').isHidden()).toBe(true);
    await shots('sidebar-setup');
  });

  it('"Set server URL" opens the Settings editor at kairos.serverUrl; "Sign in" starts the sign-in', async () => {
    await view().locator('#setup-server-url').click();
    const item = page.locator('.settings-editor .setting-item-contents', { hasText: 'Server Url' }).first();
    await item.waitFor({ timeout: 15_000 });
    // The Settings editor was opened on that one setting (its search names it).
    expect(await page.locator('.settings-editor .setting-item-contents').count()).toBe(1);
    await wb.cs.control('closeEditors');
    await wb.cs.control('exec', { command: 'kairos.memories.focus' });
    await view().locator('#setup-sign-in').click();
    await page.locator('.quick-input-widget', { hasText: 'Sign in to Kairos with' }).waitFor({ timeout: 15_000 });
    await page.keyboard.press('Escape');
  });

  it('switching back to local removes the panel and brings the local list back', async () => {
    await wb.cs.control('setConfig', { section: 'kairos', key: 'mode', value: 'local' });
    await view().locator('li.row', { hasText: 'nightly build' }).waitFor({ timeout: 15_000 });
    expect(await view().locator('#setup').count()).toBe(0);
    expect(await view().locator('#search').isVisible()).toBe(true);
    expect(await view().locator('.banner[role=alert]').isHidden()).toBe(true);
  });

  it('after "Kairos: Restart Local Engine" VS Code reconnects its MCP client and the Kairos tools work again', async () => {
    // Start the server the way a user does: MCP: List Servers → Kairos → Start Server.
    await wb.palette('MCP: List Servers');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Kairos' }).first().click();
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Start Server' }).first().click();
    await expect.poll(kairosTools, { timeout: 60_000 }).toContain('mcp_kairos_search');
    const tools = await kairosTools();
    metrics.tools = tools;
    expect(await invoke('mcp_kairos_search', { query: 'nightly build' })).toContain('staging registry');

    const before = (await info()).state.connection!;
    const t0 = Date.now();
    await wb.cs.control('exec', { command: 'kairos.restartEngine' });
    metrics.restartMs = Date.now() - t0;
    const after = (await info()).state.connection!;
    expect(after.pid).not.toBe(before.pid);
    metrics.engineUrls = [before.url, after.url];

    // The same tools, now answered by the new engine (at its own port).
    await expect.poll(kairosTools, { timeout: 30_000 }).toEqual(tools);
    const t1 = Date.now();
    expect(await invoke('mcp_kairos_search', { query: 'nightly build' })).toContain('staging registry');
    metrics.firstToolCallAfterRestartMs = Date.now() - t1;
    metrics.engineStartMs = engineStartTimes();
  }, 180_000);
});

afterAll(() => {
  removeOwnTestDirs();
});
