/**
 * Runs a real VS Code (code-server 4.103.2 = VS Code 1.103.2) with the packaged Kairos VSIX and
 * the test-only extension, and drives it in Chromium through playwright-core. Steps follow
 * ../shared/notes/real-vscode.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type FrameLocator, type Page } from 'playwright-core';
import { pidAlive } from '../../src/util/pid.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CHROMIUM = '/usr/bin/chromium';

export async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

/** Installs code-server with the project script (idempotent); undefined + reason when impossible. */
export function installCodeServer(): { bin?: string; reason?: string } {
  if (process.env.KAIROS_SKIP_VSCODE === '1') return { reason: 'KAIROS_SKIP_VSCODE=1' };
  if (!existsSync(CHROMIUM)) return { reason: `${CHROMIUM} is missing (scripts/ensure-chromium.sh installs it)` };
  try {
    const out = execFileSync('bash', [join(ROOT, 'scripts/install-code-server.sh')], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 8 * 60_000,
    });
    const bin = out.trim().split('\n').pop();
    return bin && existsSync(bin) ? { bin } : { reason: 'install-code-server.sh printed no binary' };
  } catch (e) {
    const reason = `install-code-server.sh failed: ${(e as Error).message.split('\n')[0]}`;
    // In CI a real-VS-Code suite that quietly skips would hide a broken sidebar: fail instead.
    if (process.env.CI) throw new Error(reason, { cause: e });
    return { reason };
  }
}

/**
 * Packages the VSIX once per build of the bundles. Several suites ask at once (vitest runs files
 * in parallel): under a lock, the first packages and the others reuse its VSIX while it is newer
 * than the bundles. Packaging reuses the bundles `npm test` built (rebuilding them here would
 * rewrite files other suites are running); without them it runs the whole `npm run package`.
 */
const PACKAGE_ONCE = `
if [ dist/kairos.vsix -nt dist/extension.cjs ] && [ dist/kairos.vsix -nt dist/kairos.mjs ]; then exit 0; fi
if [ -f dist/extension.cjs ] && [ -f dist/kairos.mjs ]; then
  node scripts/bundle-engine.mjs && npx vsce package --no-dependencies --out dist/kairos.vsix
else
  npm run --silent package
fi`;

/** Builds the VSIX (once, see PACKAGE_ONCE) and unpacks it as an installed extension. */
export function buildAndUnpackVsix(extensionsDir: string): { vsix: string } {
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  execFileSync('flock', [join(ROOT, 'dist/.vsix.lock'), 'bash', '-c', PACKAGE_ONCE], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 8 * 60_000,
  });
  const vsix = join(ROOT, 'dist/kairos.vsix');
  const staging = join(extensionsDir, '.vsix-staging');
  mkdirSync(staging, { recursive: true });
  execFileSync('unzip', ['-q', '-o', vsix, 'extension/*', '-d', staging]);
  cpSync(join(staging, 'extension'), join(extensionsDir, 'kairos.kairos-0.1.0'), { recursive: true });
  cpSync(join(ROOT, 'test/vscode/fixtures/kairos-test-ext'), join(extensionsDir, 'kairos-test.kairos-test-0.0.1'), { recursive: true });
  return { vsix };
}

export interface CodeServer {
  url: string;
  userDataDir: string;
  workspace: string;
  control<T = unknown>(op: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
  output(): string;
}

export async function startCodeServer(bin: string, dir: string, extensionsDir: string): Promise<CodeServer> {
  const userDataDir = join(dir, 'user-data');
  const workspace = join(dir, 'workspace');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(join(workspace, 'src'), { recursive: true });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'security.workspace.trust.enabled': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'workbench.colorTheme': 'Default Light Modern',
        'workbench.startupEditor': 'none',
        'git.openRepositoryInParentFolders': 'never',
      },
      null,
      2,
    ),
  );
  writeFileSync(join(dir, 'config.yaml'), 'auth: none\n');
  const port = await freePort();
  const controlPort = await freePort();
  let log = '';
  const child: ChildProcess = spawn(
    bin,
    [
      '--config',
      join(dir, 'config.yaml'),
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--user-data-dir',
      userDataDir,
      '--extensions-dir',
      extensionsDir,
      workspace,
    ],
    {
      env: { ...process.env, FORCE_NODE_VERSION: '20', KAIROS_EXTENSION_TEST: '1', KAIROS_TEST_CONTROL_PORT: String(controlPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`code-server did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    userDataDir,
    workspace,
    output: () => log,
    async control<T>(op: string, args: Record<string, unknown> = {}): Promise<T> {
      const res = await fetch(`http://127.0.0.1:${controlPort}/`, { method: 'POST', body: JSON.stringify({ op, args }) });
      const body = (await res.json()) as { ok: boolean; result?: T; error?: string };
      if (!body.ok) throw new Error(`control ${op}: ${body.error}`);
      return body.result as T;
    },
    async stop() {
      if (child.exitCode !== null || !child.pid) return;
      process.kill(-child.pid, 'SIGTERM');
      await new Promise((r) => setTimeout(r, 1_000));
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
}

/** Waits for the control port (the test extension activates on startup finished). */
export async function waitForControl(cs: CodeServer, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await cs.control('activeEditor');
      return;
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export interface Workbench {
  cs: CodeServer;
  browser: Browser;
  page: Page;
  /** The Kairos sidebar's inner webview frame. */
  sidebar(): FrameLocator;
  /** Runs a command through the palette (Ctrl+Shift+P) as a user does. */
  palette(command: string): Promise<void>;
  /** Stops the engine this window started (detached by design), Chromium and code-server. */
  close(engineHome: string | undefined): Promise<void>;
}

/** The folders this suite file made under .kairos-test (suites run in parallel, each removes only its own). */
const ownDirs: string[] = [];

/** Removes this suite file's folders under .kairos-test, and no other suite's. */
export function removeOwnTestDirs(): void {
  for (const dir of ownDirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}

/** Builds the VSIX, starts code-server with it and opens the workbench in Chromium. */
export async function openWorkbench(bin: string, name: string, seed: (workspace: string) => void = () => {}): Promise<Workbench> {
  const dir = join(ROOT, '.kairos-test', `${name}-${Date.now()}-${process.pid}`);
  ownDirs.push(dir);
  const exts = join(dir, 'extensions');
  mkdirSync(exts, { recursive: true });
  buildAndUnpackVsix(exts);
  const cs = await startCodeServer(bin, dir, exts);
  seed(cs.workspace);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(`${cs.url}/?folder=${encodeURIComponent(cs.workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  await waitForControl(cs);
  return {
    cs,
    browser,
    page,
    sidebar: () => page.frameLocator('iframe.webview.ready').frameLocator('iframe'),
    async palette(command) {
      await page
        .locator('.monaco-workbench')
        .click({ position: { x: 600, y: 300 } })
        .catch(() => {});
      await page.keyboard.press('Control+Shift+P');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill(`>${command}`);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: command }).first().waitFor();
      await page.keyboard.press('Enter');
    },
    async close(engineHome) {
      await browser.close();
      let pid: number | undefined;
      try {
        pid = (JSON.parse(readFileSync(join(engineHome ?? '', 'engine.json'), 'utf8')) as { pid: number }).pid;
        process.kill(pid, 'SIGTERM');
      } catch {
        pid = undefined; // not running
      }
      await cs.stop();
      // The engine flushes its data dir on shutdown: wait for it to exit so the caller can delete that dir.
      if (pid !== undefined) await waitForExit(pid, 15_000);
    },
  };
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
}
