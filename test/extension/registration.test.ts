/**
 * The per-window bearer against the real engine: EngineManager runs the bundled CLI's
 * `kairos serve` as its child, with the environment buildEngineEnv gives it in VS Code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { EngineManager } from '../../src/extension/engine.js';
import { buildEngineEnv } from '../../src/extension/engineEnv.js';
import { cliBundle, startServe, type ServeProcess } from '../server/cliProcess.js';
import { isAlive, manager, statusWith, tempHome } from './helpers.js';

let bundle: string;
const managers: EngineManager[] = [];
const people: ServeProcess[] = [];

beforeAll(async () => {
  bundle = await cliBundle();
}, 120_000);

afterEach(async () => {
  for (const m of managers.splice(0)) {
    const pid = m.connection?.pid;
    await m.dispose();
    if (pid && isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  for (const p of people.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
});

/** A window's engine manager running the real CLI. */
function window(home: string, selfPid = process.pid): EngineManager {
  const m = manager(home, {
    entry: bundle,
    env: async () => buildEngineEnv(process.env, home, { provider: 'local' }, undefined),
    selfPid,
    startTimeoutMs: 90_000,
    pollMs: 100,
  });
  managers.push(m);
  return m;
}

const dataDirToken = (home: string): string => readFileSync(join(home, 'token'), 'utf8').trim();

describe('per-window bearer with the real engine', () => {
  it('gives each window its own registered bearer, refuses it after the window leaves, and the last window stops the engine', async () => {
    const home = tempHome();
    const first = window(home);
    const a = await first.ensure();
    const second = window(home, process.ppid);
    const b = await second.ensure();
    expect(b).toMatchObject({ url: a.url, pid: a.pid, owned: false });
    expect(new Set([a.token, b.token, dataDirToken(home)]).size).toBe(3);
    expect(await statusWith(`${a.url}/v1/me`, a.token)).toBe(200);
    expect(await statusWith(`${a.url}/v1/me`, b.token)).toBe(200);

    await first.dispose();
    expect(await statusWith(`${a.url}/v1/me`, a.token)).toBe(401);
    expect(await statusWith(`${a.url}/v1/me`, b.token)).toBe(200);
    expect(isAlive(a.pid)).toBe(true);

    await second.dispose();
    // The engine stopped itself on the last unregister; dispose waited for its flush.
    expect(isAlive(a.pid)).toBe(false);
    expect(existsSync(join(home, 'engine.json'))).toBe(false);
  }, 120_000);

  it("registers again with the engine it starts after a person's engine went away", async () => {
    const home = tempHome();
    const person = await startServe(home);
    people.push(person);
    const w = window(home);
    const before = await w.ensure();
    expect(before).toMatchObject({ url: person.url, owned: false });
    expect(await statusWith(`${before.url}/v1/me`, before.token)).toBe(200);

    person.child.kill('SIGTERM');
    expect(await person.exited).toEqual({ code: 0, signal: null });
    await w.check();
    const after = w.connection!;
    expect(after.owned).toBe(true);
    expect(after.url).not.toBe(before.url);
    // Same bearer for the whole activation, now registered with the new engine.
    expect(after.token).toBe(before.token);
    expect(await statusWith(`${after.url}/v1/me`, after.token)).toBe(200);
  }, 180_000);

  it('leaves an engine a person started running when its last window leaves', async () => {
    const home = tempHome();
    const person = await startServe(home);
    people.push(person);
    const w = window(home);
    const conn = await w.ensure();
    await w.dispose();
    expect(isAlive(person.child.pid!)).toBe(true);
    expect(await statusWith(`${person.url}/v1/me`, conn.token)).toBe(401);
    expect(await statusWith(`${person.url}/v1/me`, person.token)).toBe(200);
  }, 120_000);
});
