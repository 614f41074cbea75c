import { readFile, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliBundle, engineFileExists, runCli, startServe, type ServeProcess } from './cliProcess.js';
import { removeHome, tempHome } from './helpers.js';

const homes: string[] = [];
const children: ServeProcess[] = [];

async function home(): Promise<string> {
  const h = await tempHome('kairos-life-');
  homes.push(h);
  return h;
}

async function serve(h: string): Promise<ServeProcess> {
  const s = await startServe(h);
  children.push(s);
  return s;
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.child.exitCode === null && c.child.signalCode === null) {
      c.child.kill('SIGKILL');
      await c.exited;
    }
  }
  for (const h of homes.splice(0)) await removeHome(h);
});

describe('kairos serve lifecycle', () => {
  it('keeps memories across a SIGTERM restart and removes engine.json on shutdown', async () => {
    await cliBundle();
    const h = await home();
    const first = await serve(h);
    const engine = JSON.parse(await readFile(join(h, 'engine.json'), 'utf8'));
    expect(engine).toEqual({ port: expect.any(Number), pid: first.child.pid, url: first.url, startedAt: expect.any(String) });
    expect(JSON.stringify(engine)).not.toContain(first.token);
    expect((await stat(join(h, 'engine.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(h, 'token'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(h, 'data'))).mode & 0o777).toBe(0o700);
    // The banner arrives in more than one write; wait for all of it.
    await expect.poll(() => first.stdout()).toContain(`${first.url}/?token=`);
    await expect.poll(() => first.stdout()).toContain(h);

    const r = await first.api('POST', '/v1/memories', { text: 'Persistence check: the staging database is called atlas' });
    expect(r.status).toBe(201);
    first.child.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(engineFileExists(h)).toBe(false);

    const second = await serve(h);
    expect(second.token).toBe(first.token);
    const found = await second.api('POST', '/v1/search', { query: 'what is the staging database called' });
    expect(found.status).toBe(200);
    expect(found.json.items[0].memory.id).toBe(r.json.memory.id);
  });

  it('answers every in-flight request before exiting on SIGTERM', async () => {
    const h = await home();
    const s = await serve(h);
    // The model loads first: its set-up holds the event loop a moment, and a request the server has
    // not read when SIGTERM comes counts as idle and is closed (a CI run lost two that way).
    expect((await s.api('POST', '/v1/memories', { text: 'Warm-up so the model is loaded' })).status).toBe(201);
    // An import whose body is still arriving at SIGTERM is in flight for certain; the writes next
    // to it may or may not have finished by then, and must all succeed either way.
    const line = (id: string): string =>
      JSON.stringify({
        id,
        text: `Imported during shutdown: ${id}`,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
        source: { kind: 'import' },
      }) + '\n';
    let sent = (): void => {};
    const sigtermSent = new Promise<void>((r) => (sent = r));
    const imported = new Promise<{ status: number; at: number }>((resolve, reject) => {
      const req = request(
        new URL('/v1/import', s.url),
        { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/x-ndjson' } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, at: Date.now() }));
        },
      );
      req.on('error', reject);
      req.write(line('import-1'));
      sigtermSent.then(() => req.end(line('import-2')), reject);
    });
    const writes = Array.from({ length: 8 }, (_, i) => s.api('POST', '/v1/memories', { text: `In-flight write number ${i} during shutdown` }));
    // Time for the server to receive every request: one not yet parsed counts as idle and is closed.
    await new Promise((r) => setTimeout(r, 1000));
    const killedAt = Date.now();
    s.child.kill('SIGTERM');
    sent();
    const results = await Promise.all(writes);
    const done = await imported;
    expect(done.status).toBe(200);
    expect(done.at).toBeGreaterThan(killedAt);
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(await s.exited).toEqual({ code: 0, signal: null });

    const again = await serve(h);
    for (const r of results) expect((await again.api('GET', `/v1/memories/${r.json.memory.id}`)).status).toBe(200);
    for (const id of ['import-1', 'import-2']) expect((await again.api('GET', `/v1/memories/${id}`)).status).toBe(200);
  });

  it('keeps every acknowledged write when killed with SIGKILL under concurrent load', async () => {
    const h = await home();
    const s = await serve(h);
    expect((await s.api('POST', '/v1/memories', { text: 'Warm-up so the model is loaded' })).status).toBe(201);
    const acked: string[] = [];
    let stop = false;
    const writer = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await s.api('POST', '/v1/memories', { text: `Durability writer ${w} record ${i} about topic ${(w * 7919 + i * 104729) % 9973}` });
          if (r.status === 201) acked.push(r.json.memory.id);
        } catch {
          return; // The connection died with the server.
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acked.length < 25) await new Promise((r) => setTimeout(r, 20));
    s.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await s.exited;

    const again = await serve(h);
    const missing: string[] = [];
    for (const id of acked) if ((await again.api('GET', `/v1/memories/${id}`)).status !== 200) missing.push(id);
    expect(missing).toEqual([]);
  });

  it('refuses a second serve on the same home with exit code 6, leaving the first one working', async () => {
    const h = await home();
    const first = await serve(h);
    expect((await first.api('POST', '/v1/memories', { text: 'Written before the second server tried to start' })).status).toBe(201);
    const second = await runCli(h, ['serve']);
    expect(second.code).toBe(6);
    expect(second.stderr).toMatch(/^kairos: .*in use/m);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    const engine = JSON.parse(await readFile(join(h, 'engine.json'), 'utf8'));
    expect(engine.pid).toBe(first.child.pid);
    const found = await first.api('POST', '/v1/search', { query: 'second server' });
    expect(found.json.items).toHaveLength(1);
  });
});
