/**
 * End-to-end harness: builds the CLI and the UI bundle, starts a real `kairos serve` on
 * loopback with a temp KAIROS_HOME, and drives Debian Chromium through playwright-core.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleCli } from '../../scripts/cli-bundle.mjs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterEach, beforeEach } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * For suites whose steps build on each other: after the first failure the rest are skipped,
 * since they would only time out. Call it inside the describe block.
 */
export function skipAfterFirstFailure(): void {
  let failed = false;
  afterEach(({ task }) => {
    if (task.result?.state === 'fail') failed = true;
  });
  beforeEach(({ skip }) => {
    if (failed) skip();
  });
}
export const SCREENSHOTS = 'test-output/screenshots';

/** The same CLI build as esbuild.mjs, plus the webview bundle, so the suite tests current code. */
export async function buildAll(): Promise<void> {
  await bundleCli('dist', { sourcemap: true });
  const web = spawnSync(process.execPath, ['esbuild.mjs', '--webview'], { encoding: 'utf8' });
  if (web.status !== 0) throw new Error(`webview build failed: ${web.stderr}`);
}

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const r = spawnSync('bash', ['scripts/ensure-chromium.sh'], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(CHROMIUM)) throw new Error('Chromium is missing: run scripts/ensure-chromium.sh as root.');
}

export interface Served {
  consoleUrl: string;
  origin: string;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts `node dist/kairos.mjs serve` and reads the one-time console URL it prints. */
export async function serve(): Promise<Served> {
  const home = await mkdtemp(join(tmpdir(), 'kairos-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['dist/kairos.mjs', 'serve'], {
    env: { ...process.env, KAIROS_HOME: home, KAIROS_PORT: '0', KAIROS_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const consoleUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kairos serve printed no console URL:\n${out}`)), 90_000);
    const check = (): void => {
      const m = /Console:\s+(http:\/\/\S+\?token=\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => reject(new Error(`kairos serve exited (${code}):\n${out}`)));
  });
  return {
    consoleUrl,
    origin: new URL(consoleUrl).origin,
    output: () => out,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(home, { recursive: true, force: true });
    },
  };
}

export async function launch(): Promise<Browser> {
  await mkdir(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

/** Collects console errors, page errors and CSP violations; the suite asserts there are none. */
export async function watchProblems(page: Page): Promise<string[]> {
  const problems: string[] = [];
  page.on('console', (m) => {
    // API answers the tests provoke on purpose (404 after delete, 400 for an over-long text)
    // are logged by Chromium as failed loads; the UI reports those itself. Anything else counts.
    const api = m.text().startsWith('Failed to load resource') && new URL(m.location().url || 'x:/').pathname.startsWith('/v1/');
    if (m.type() === 'error' && !api) problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.exposeFunction('__reportCsp', (v: string) => problems.push(`csp: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __reportCsp(v: string): void }).__reportCsp(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return problems;
}
