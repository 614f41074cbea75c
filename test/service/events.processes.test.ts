/**
 * Events across a scaled-out deployment, as it runs: two `kairos serve` processes (the built CLI
 * bundle, service mode) sharing one PostgreSQL database and one Redis, nothing else. A memory
 * written through REST on process A reaches its owner's SSE stream on process B within a second;
 * another tenant on B hears nothing. Each process keeps memories in its own embedded store here
 * (a real deployment shares Qdrant): only identity and events are shared, and events are what
 * this checks.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGitHub, type FakeGitHub } from '../fakes/githubServer.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openaiServer.js';
import { startServe, type ServeProcess } from '../server/cliProcess.js';
import { call, removeHome, tempHome } from '../server/helpers.js';
import { PG_URL, REDIS_URL } from './harness.js';
import { eventIds, median, subscribe, type Subscriber } from './sse.js';

const DB = `kairos_events_${randomBytes(5).toString('hex')}`;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('memory events between two kairos serve processes sharing PostgreSQL and Redis', () => {
  const prefix = `kairos_test_${randomBytes(6).toString('hex')}`;
  const homes: string[] = [];
  const open: Subscriber[] = [];
  let github: FakeGitHub;
  let openai: FakeOpenAI;
  let a: ServeProcess;
  let b: ServeProcess;
  const token = { alice: `gho_${randomBytes(12).toString('hex')}`, bob: `gho_${randomBytes(12).toString('hex')}` };

  beforeAll(async () => {
    await admin(`CREATE DATABASE ${DB}`);
    [github, openai] = await Promise.all([startFakeGitHub(), startFakeOpenAI()]);
    github.addToken(token.alice, { id: 5001, login: 'alice' });
    github.addToken(token.bob, { id: 5002, login: 'bob' });
    const url = new URL(PG_URL);
    url.pathname = `/${DB}`;
    const env = {
      KAIROS_MODE: 'service',
      DATABASE_URL: url.toString(),
      REDIS_URL,
      KAIROS_REDIS_PREFIX: prefix,
      KAIROS_MASTER_KEY: randomBytes(32).toString('base64'),
      KAIROS_GITHUB_API_URL: github.url,
      KAIROS_AUTH_SERVERS: 'https://auth.example.test',
      KAIROS_RATE_LIMIT_PER_MINUTE: '100000',
      KAIROS_EGRESS_ALLOW: '127.0.0.1',
    };
    const start = async (): Promise<ServeProcess> => {
      const home = await tempHome('kairos-events-proc-');
      homes.push(home);
      return startServe(home, env, { token: false });
    };
    // One after the other: the first creates the identity schema.
    a = await start();
    b = await start();
    for (const [who, t] of Object.entries(token)) {
      const put = await call(a.url, 'PUT', '/v1/settings/embedder-key', t, {
        body: { provider: 'openai', apiKey: `sk-${who}-key-000000000000`, model: 'text-embedding-3-small', endpoint: openai.baseURL },
      });
      expect(put.status, put.text).toBe(200);
    }
  }, 120_000);

  afterAll(async () => {
    for (const s of open) s.close();
    for (const p of [a, b]) {
      if (!p) continue;
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await Promise.all([github?.close(), openai?.close()]);
    for (const home of homes) await removeHome(home);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
    await admin(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  });

  it('runs as two processes, each on Redis events and PostgreSQL identity', () => {
    expect(a.child.pid).not.toBe(b.child.pid);
    for (const p of [a, b]) expect(p.stdout()).toMatch(/Identity: postgres .* rate limits: redis/);
  });

  it("delivers a write on A to its owner's stream on B within a second, and nothing to another tenant", async () => {
    const [alice, bob] = [await subscribe(b.url, token.alice), await subscribe(b.url, token.bob)];
    open.push(alice, bob);
    expect([alice.status, bob.status]).toEqual([200, 200]);
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const r = await call(a.url, 'POST', '/v1/memories', token.alice, { body: { text: `Alice's release note ${i}: the cutover is on Thursday` } });
      expect(r.status, r.text).toBe(201);
      const id = r.json.memory.id as string;
      await expect.poll(() => alice.heard.find((h) => h.event.id === id), { timeout: 1000, interval: 5 }).toBeDefined();
      latencies.push(alice.heard.find((h) => h.event.id === id)!.at - t0);
    }
    console.log(
      `two processes: REST write on A → SSE on B p50 ${median(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (${latencies.length} writes)`,
    );
    expect(median(latencies)).toBeLessThan(1000);
    expect(Math.max(...latencies)).toBeLessThan(3000);
    // Bob's own write on A is the only thing Bob hears on B.
    const mine = await call(a.url, 'POST', '/v1/memories', token.bob, { body: { text: 'Bob keeps the on-call rota' } });
    expect(mine.status, mine.text).toBe(201);
    await expect.poll(() => eventIds(bob), { timeout: 1000, interval: 5 }).toContain(mine.json.memory.id);
    expect(eventIds(bob)).toEqual([mine.json.memory.id]);
    expect(eventIds(alice)).not.toContain(mine.json.memory.id);
  });
});
