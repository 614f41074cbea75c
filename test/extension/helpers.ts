import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineManager, type EngineDeps, type SpawnFn } from '../../src/extension/engine.js';
import { createExtensionLogger } from '../../src/extension/log.js';

export const FAKE_ENGINE = fileURLToPath(new URL('./fixtures/fake-engine.mjs', import.meta.url));

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'kairos-ext-'));
}

import { pidAlive as isAlive } from '../../src/util/pid.js';
export { isAlive };

export function memoryChannel(): { lines: string[]; channel: Parameters<typeof createExtensionLogger>[0] } {
  const lines: string[] = [];
  const push = (m: string): void => void lines.push(m);
  return { lines, channel: { trace: push, debug: push, info: push, warn: push, error: push } };
}

export const realSpawn: SpawnFn = (cmd, args, opts) => spawn(cmd, args, opts);

export function manager(home: string, over: Partial<EngineDeps> = {}): EngineManager {
  return new EngineManager({
    home,
    entry: FAKE_ENGINE,
    execPath: process.execPath,
    // As buildEngineEnv does: an extension-started engine stops when its last window leaves.
    env: async () => ({ ...(process.env as Record<string, string>), KAIROS_HOME: home, KAIROS_EXIT_WHEN_UNUSED: '1' }),
    spawn: realSpawn,
    fetch: (i, init) => fetch(i, init),
    isAlive,
    kill: (pid, sig) => {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    log: createExtensionLogger(memoryChannel().channel),
    selfPid: process.pid,
    startTimeoutMs: 10_000,
    pollMs: 30,
    ...over,
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not met in time');
}

/** GET with a bearer; the status only. */
export async function statusWith(url: string, token: string): Promise<number> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  await res.body?.cancel();
  return res.status;
}
