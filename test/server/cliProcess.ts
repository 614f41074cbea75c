/** Builds the real CLI bundle once per test process and runs it as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { bundleCli } from '../../scripts/cli-bundle.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
let bundled: Promise<string> | undefined;

/**
 * Bundles the CLI as esbuild.mjs does (scripts/cli-bundle.mjs), into dist/test-cli/<pid>/: inside
 * the repo so node_modules resolve, and away from .kairos-test/, which other suites delete when
 * they finish.
 */
export function cliBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(ROOT, 'dist', 'test-cli', String(process.pid));
    await bundleCli(dir, { absWorkingDir: ROOT });
    return join(dir, 'kairos.mjs');
  })();
  return bundled;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function cliEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Keep the parent's settings (log level, debug, embedder choice) out of the child.
  for (const k of ['KAIROS_LOG_LEVEL', 'KAIROS_DEBUG', 'KAIROS_EMBEDDER', 'KAIROS_OPENAI_API_KEY', 'KAIROS_OPENAI_BASE_URL']) delete env[k];
  return { ...env, KAIROS_HOME: home, KAIROS_PORT: '0', ...extra };
}

/** Runs `kairos <args>` to completion. */
export async function runCli(
  home: string,
  args: string[],
  opts: { env?: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  const bundle = await cliBundle();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      env: cliEnv(home, opts.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  token: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
}

/** Starts `kairos serve` and waits until it printed its MCP URL. `token: false`: service mode, which writes no local token. */
export async function startServe(home: string, env: Record<string, string> = {}, opts: { token?: boolean } = {}): Promise<ServeProcess> {
  const bundle = await cliBundle();
  const child = spawn(process.execPath, [bundle, 'serve'], { env: cliEnv(home, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('close', (code, signal) => res({ code, signal })));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not start:\n${out}\n${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /MCP endpoint: (http:\/\/\S+)\/mcp/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]!);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      rej(new Error(`serve exited with ${code}:\n${out}\n${err}`));
    });
  });
  const token = opts.token === false ? '' : (await readFile(join(home, 'token'), 'utf8')).trim();
  return {
    child,
    url,
    token,
    stdout: () => out,
    stderr: () => err,
    exited,
    async api(method, path, body) {
      const res = await fetch(url + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    },
  };
}

export function engineFileExists(home: string): boolean {
  return existsSync(join(home, 'engine.json'));
}
