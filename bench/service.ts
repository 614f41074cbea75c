/**
 * `npm run bench:service`: authenticated search throughput of service mode with many tenants.
 * Each tenant is a user with an admin API key and its own BYOK settings pointing at the loopback
 * fake OpenAI server; each gets ~200 memories. Then N concurrent clients search over loopback
 * HTTP (API key → tenant context → the tenant's embedder → the store), against the same
 * searches through MemoryService in process (contexts built once) as the baseline measured in
 * this same run. Identity on the embedded engine (PGlite), and on PostgreSQL when DATABASE_URL
 * is set (a fresh schema, dropped afterwards). Progress on stderr, one table on stdout.
 *
 * KAIROS_BENCH_TENANTS (50), KAIROS_BENCH_MEMORIES (200 per tenant), KAIROS_BENCH_CLIENTS
 * ("1,8,32"), KAIROS_BENCH_SEARCHES (600 per client count).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import type { MemoryService } from '../src/core/memoryService.js';
import type { ServicePrincipal } from '../src/auth/principal.js';
import { createApiKey } from '../src/identity/apiKeys.js';
import { masterKeyFrom } from '../src/identity/byok.js';
import type { IdentityDbConfig } from '../src/identity/open.js';
import { resolveChannelUser } from '../src/identity/users.js';
import { loadServiceConfig } from '../src/runtime/serviceConfig.js';
import { startServiceServer } from '../src/server/serviceMain.js';
import { startFakeOpenAI, type FakeOpenAI } from '../test/fakes/openaiServer.js';
import { mulberry32, percentile } from './data.js';

process.env.KAIROS_LOG_LEVEL ??= 'warn';

const TENANTS = Number(process.env.KAIROS_BENCH_TENANTS ?? 50);
const MEMORIES = Number(process.env.KAIROS_BENCH_MEMORIES ?? 200);
const CLIENTS = (process.env.KAIROS_BENCH_CLIENTS ?? '1,8,32').split(',').map((s) => Number(s.trim()));
const SEARCHES = Number(process.env.KAIROS_BENCH_SEARCHES ?? 600);

const WORDS =
  'cache index query vector postgres qdrant embed tenant token schema migrate deploy build test lint bundle route handler retry backoff timeout session cookie header pool worker queue stream batch shard replica commit branch merge review release config secret key rotate audit log metric trace latency'.split(
    ' ',
  );

type Row = [string, string, string, string, string, string];
const rows: Row[] = [];
const progress = (msg: string): void => void process.stderr.write(`\r\x1b[K${msg}`);
const done = (): void => void process.stderr.write('\r\x1b[K');

interface Tenant {
  key: string;
  principal: ServicePrincipal;
}

function sentence(rand: () => number, n: number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]!).join(' ');
}

/** The searches of one run: (tenant, query) pairs, the same list for both paths. */
function workload(seed: number): Array<{ tenant: number; query: string }> {
  const rand = mulberry32(seed);
  return Array.from({ length: SEARCHES }, () => ({ tenant: Math.floor(rand() * TENANTS), query: sentence(rand, 4) }));
}

/** Runs `work` with `clients` concurrent workers; per-call latencies and overall requests/s. */
async function drive(clients: number, count: number, work: (i: number) => Promise<void>): Promise<{ rps: number; p50: number; p95: number }> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < count; i = next++) {
        const s = performance.now();
        await work(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const elapsed = performance.now() - t0;
  latencies.sort((a, b) => a - b);
  return { rps: count / (elapsed / 1000), p50: percentile(latencies, 50), p95: percentile(latencies, 95) };
}

async function postgresIdentity(url: string): Promise<{ config: IdentityDbConfig; drop(): Promise<void> }> {
  const schema = `kairos_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  return {
    config: { kind: 'postgres', url, schema },
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

async function benchEngine(label: string, identity: IdentityDbConfig, openai: FakeOpenAI): Promise<void> {
  const home = await mkdtemp(join(tmpdir(), 'kairos-bench-service-'));
  const env = { KAIROS_HOME: home, KAIROS_PORT: '0', KAIROS_MODE: 'service', KAIROS_RATE_LIMIT_PER_MINUTE: '100000000' };
  const ring = { current: masterKeyFrom(randomBytes(32).toString('base64'), 'bench'), previous: [] };
  const server = await startServiceServer(loadConfig(env), loadServiceConfig(env), env, { identity, ring });
  const { runtime } = server;
  try {
    const tenants: Tenant[] = [];
    const rand = mulberry32(7);
    for (let t = 0; t < TENANTS; t++) {
      progress(`${label}: tenant ${t + 1}/${TENANTS} (user, API key, BYOK key, ${MEMORIES} memories)`);
      const { uid } = await resolveChannelUser(runtime.db, { type: 'github', uid: String(900_000 + t) });
      const { key } = await createApiKey(runtime.db, uid, { name: 'bench', scopes: ['read', 'write', 'admin'] });
      const principal: ServicePrincipal = { uid, via: 'api-key', scopes: ['read', 'write', 'admin'] };
      await runtime.accounts.putEmbedderKey(principal, {
        provider: 'openai',
        apiKey: `sk-bench-tenant-${t}-${randomBytes(8).toString('hex')}`,
        model: 'text-embedding-3-small',
        endpoint: openai.baseURL,
      });
      const items = Array.from({ length: MEMORIES }, (_, i) => ({ text: `tenant ${t} note ${i}: ${sentence(rand, 12)}` }));
      await runtime.service(await runtime.context(principal)).import(items);
      tenants.push({ key, principal });
    }
    done();

    // Baseline: the tenants' MemoryServices built once, searched in process (embedding included).
    const services: MemoryService[] = [];
    for (const t of tenants) services.push(runtime.service(await runtime.context(t.principal)));
    const overHttp = async (tenant: number, query: string): Promise<void> => {
      const res = await fetch(`${server.url}/v1/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tenants[tenant]!.key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query, limit: 10 }),
      });
      if (res.status !== 200) throw new Error(`search answered ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    };
    const warm = workload(1).slice(0, 50);
    for (const w of warm) {
      await services[w.tenant]!.search({ query: w.query, limit: 10 });
      await overHttp(w.tenant, w.query);
    }

    for (const clients of CLIENTS) {
      const searches = workload(100 + clients);
      progress(`${label}: ${clients} clients, in process`);
      const base = await drive(
        clients,
        searches.length,
        async (i) => void (await services[searches[i]!.tenant]!.search({ query: searches[i]!.query, limit: 10 })),
      );
      progress(`${label}: ${clients} clients, over HTTP`);
      const http = await drive(clients, searches.length, (i) => overHttp(searches[i]!.tenant, searches[i]!.query));
      done();
      const fmt = (x: number): string => `${x.toFixed(2)} ms`;
      rows.push([label, String(clients), 'MemoryService in process (baseline)', `${Math.round(base.rps)}`, `${fmt(base.p50)} / ${fmt(base.p95)}`, '1.00×']);
      rows.push([
        label,
        String(clients),
        'HTTP + API key + tenant context',
        `${Math.round(http.rps)}`,
        `${fmt(http.p50)} / ${fmt(http.p95)}`,
        `${(http.rps / base.rps).toFixed(2)}× of baseline req/s`,
      ]);
    }
  } finally {
    await server.close();
    await rm(home, { recursive: true, force: true });
  }
}

const started = performance.now();
const openai = await startFakeOpenAI();
try {
  await benchEngine('embedded (PGlite)', { kind: 'pglite' }, openai);
  if (process.env.DATABASE_URL) {
    const pgIdentity = await postgresIdentity(process.env.DATABASE_URL);
    try {
      await benchEngine('PostgreSQL identity', pgIdentity.config, openai);
    } finally {
      await pgIdentity.drop();
    }
  } else {
    process.stderr.write('DATABASE_URL is not set: skipping the PostgreSQL identity run.\n');
  }
} finally {
  await openai.close();
}

const header: Row = ['identity store', 'clients', 'path', 'req/s', 'p50 / p95', 'ratio'];
const widths = header.map((_, c) => Math.max(...[header, ...rows].map((r) => r[c]!.length)));
const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
process.stdout.write(
  [
    `Kairos service bench — ${TENANTS} tenants × ${MEMORIES} memories, ${SEARCHES} searches per client count, fake OpenAI on loopback, node ${process.version}, ${((performance.now() - started) / 1000) | 0} s`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ].join('\n'),
);
