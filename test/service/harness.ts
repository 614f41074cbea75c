/** Shared setup for the service-mode suites: identity backends (PostgreSQL, PGlite) and a real service server with fake providers. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Clock } from '../../src/core/ports.js';
import type { IdentityDbConfig } from '../../src/identity/open.js';
import { masterKeyFrom, type MasterKeyRing } from '../../src/identity/byok.js';
import { loadServiceConfig } from '../../src/runtime/serviceConfig.js';
import type { RateLimiter } from '../../src/ratelimit/index.js';
import { startServiceServer, type RunningServiceServer } from '../../src/server/serviceMain.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/githubServer.js';
import { startFakeIssuer, type FakeIssuer } from '../fakes/jwksServer.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openaiServer.js';
import { call, removeHome, tempHome, testConfig, type ApiOptions, type ApiResponse } from '../server/helpers.js';

export const PG_URL = process.env.KAIROS_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.KAIROS_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface IdentityBackend {
  name: 'postgres' | 'pglite';
  /** A fresh, empty identity database config, and how to remove it. */
  create(): Promise<{ config: IdentityDbConfig; drop(): Promise<void> }>;
}

export const BACKENDS: IdentityBackend[] = [
  {
    name: 'postgres',
    async create() {
      const schema = `kairos_test_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Client({ connectionString: PG_URL });
      await admin.connect();
      await admin.query(`CREATE SCHEMA ${schema}`);
      await admin.end();
      return {
        config: { kind: 'postgres', url: PG_URL, schema },
        async drop() {
          const c = new pg.Client({ connectionString: PG_URL });
          await c.connect();
          await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await c.end();
        },
      };
    },
  },
  {
    name: 'pglite',
    async create() {
      return { config: { kind: 'pglite' }, drop: async () => undefined };
    },
  },
];

export function testRing(): MasterKeyRing {
  return { current: masterKeyFrom(randomBytes(32).toString('base64'), 'test'), previous: [] };
}

export interface ServiceWorld {
  server: RunningServiceServer;
  url: string;
  /** What a second instance of the same deployment needs: the environment, identity database and master keys. */
  env: Record<string, string>;
  identity: IdentityDbConfig;
  ring: MasterKeyRing;
  github: FakeGitHub;
  issuer: FakeIssuer;
  openai: FakeOpenAI;
  audience: string;
  api(method: string, path: string, token: string | null, opts?: ApiOptions): Promise<ApiResponse>;
  /** Signs in a new GitHub user and returns their token. */
  githubUser(id: number, login: string): string;
  close(): Promise<void>;
}

export async function startServiceWorld(
  backend: IdentityBackend,
  /** Extra environment; a function gets the fakes (their URLs are known only once they listen). */
  extraEnv: Record<string, string> | ((fakes: { github: FakeGitHub; openai: FakeOpenAI }) => Record<string, string>) = {},
  opts: { limiter?: RateLimiter; clock?: Clock } = {},
): Promise<ServiceWorld> {
  const home = await tempHome('kairos-service-');
  const identity = await backend.create();
  const [github, issuer, openai] = await Promise.all([startFakeGitHub(), startFakeIssuer(), startFakeOpenAI()]);
  const audience = 'kairos-test';
  const env: Record<string, string> = {
    KAIROS_MODE: 'service',
    KAIROS_GITHUB_API_URL: github.url,
    KAIROS_OIDC_ISSUERS: JSON.stringify([{ issuer: issuer.issuer, audience }]),
    KAIROS_AUTH_SERVERS: 'https://auth.example.test',
    KAIROS_RATE_LIMIT_PER_MINUTE: '100000',
    // The suites send many dead credentials from one address; failedAuth.test.ts lowers this.
    KAIROS_AUTH_FAILURES_PER_MINUTE: '100000',
    // The fake providers listen on loopback, which the egress guard refuses unless allow-listed.
    KAIROS_EGRESS_ALLOW: '127.0.0.1',
    ...(typeof extraEnv === 'function' ? extraEnv({ github, openai }) : extraEnv),
  };
  const ring = testRing();
  const server = await startServiceServer(testConfig(home, env), loadServiceConfig(env), env, {
    identity: identity.config,
    ring,
    ...(opts.limiter ? { limiter: opts.limiter } : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  return {
    server,
    url: server.url,
    env,
    identity: identity.config,
    ring,
    github,
    issuer,
    openai,
    audience,
    api: (method, path, token, opts = {}) => call(server.url, method, path, token, opts),
    githubUser(id, login) {
      const token = `gho_${randomBytes(12).toString('hex')}`;
      github.addToken(token, { id, login });
      return token;
    },
    async close() {
      await server.close();
      await Promise.all([github.close(), issuer.close(), openai.close()]);
      await identity.drop();
      await removeHome(home);
    },
  };
}

/** The operator's own embedder for users without a key (bot-created users), on the fake OpenAI server. */
export function operatorEmbedderEnv(openai: FakeOpenAI): Record<string, string> {
  return {
    KAIROS_ALLOW_LOCAL_EMBEDDER: '1',
    KAIROS_EMBEDDER: 'openai',
    OPENAI_API_KEY: 'sk-operator-000000000000',
    OPENAI_BASE_URL: openai.baseURL,
    KAIROS_EMBEDDING_MODEL: 'text-embedding-3-small',
  };
}
