/**
 * Server-side request forgery through the embedding endpoint (service mode, real PostgreSQL):
 * with the allow-list off nothing internal is reachable, whatever the scheme, address form or
 * name; with it on, the allow-listed fake works, but an upstream's body is never reflected, a
 * redirect is never followed, and key tests and saves share a per-user limit.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink, type LogSink } from '../../src/util/logger.js';
import { BACKENDS, startServiceWorld, type ServiceWorld } from './harness.js';

const BANNER = 'SSH-2.0-OpenSSH_9.6 internal-banner-do-not-leak';

let probe: Server;
let probePort = 0;
let probeHits = 0;

beforeAll(async () => {
  probe = createServer((req, res) => {
    probeHits++;
    if (req.url?.includes('redirect')) res.writeHead(307, { location: 'http://169.254.169.254/' }).end();
    else res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: BANNER } }));
  });
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  probePort = (probe.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => probe.close(() => r())));

const key = (endpoint: string) => ({ provider: 'openai', apiKey: 'sk-test-0000000000000000aaaa', model: 'text-embedding-3-small', endpoint });

describe('embedding egress with the allow-list off', () => {
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await startServiceWorld(BACKENDS[0]!, { KAIROS_EGRESS_ALLOW: '' });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('refuses every internal destination with 400 and sends nothing there', async () => {
    const before = probeHits + w.openai.requests.length;
    const fakePort = new URL(w.openai.url).port;
    const endpoints = [
      w.openai.baseURL, // http to loopback
      `https://127.0.0.1:${probePort}/v1`,
      `https://localhost:${probePort}/v1`, // a name that resolves to loopback
      `https://[::ffff:127.0.0.1]:${fakePort}/v1`,
      'https://169.254.169.254/latest',
      'https://10.0.0.1/v1',
      'https://100.64.0.1/v1',
      'https://[::1]/v1',
      'https://[fd00:ec2::254]/v1',
      `https://user:secret@127.0.0.1:${probePort}/v1`,
      `https://api.example.com/v1#/${probePort}`,
    ];
    for (const [i, endpoint] of endpoints.entries()) {
      // A user per endpoint: the per-user probe limit is tested below, not here.
      const alice = w.githubUser(8110 + i, `user${i}`);
      for (const path of ['/v1/settings/embedder-key/test', '/v1/settings/embedder-key']) {
        const r = await w.api(path.endsWith('test') ? 'POST' : 'PUT', path, alice, { body: key(endpoint) });
        expect(r.status, `${endpoint} ${r.text}`).toBe(400);
        expect(r.json.error.message).toMatch(/will not call this embedding endpoint/);
        expect(r.text).not.toContain('secret');
      }
    }
    expect(probeHits + w.openai.requests.length).toBe(before);
  });
});

describe('embedding egress with the allow-list on (127.0.0.1)', () => {
  let w: ServiceWorld;
  let alice: string;
  const logs: string[] = [];
  let prev: LogSink;
  beforeAll(async () => {
    prev = setLogSink((l) => logs.push(l));
    w = await startServiceWorld(BACKENDS[0]!);
    alice = w.githubUser(8201, 'alice');
  });
  afterAll(async () => {
    await w?.close();
    setLogSink(prev);
  });

  it('uses the allow-listed endpoint, never reflects what an upstream says and never follows its redirect', async () => {
    expect((await w.api('POST', '/v1/settings/embedder-key/test', alice, { body: key(w.openai.baseURL) })).status).toBe(200);
    const hits = probeHits;
    const refused = await w.api('POST', '/v1/settings/embedder-key/test', alice, { body: key(`http://127.0.0.1:${probePort}/v1`) });
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain('OpenSSH');
    expect(refused.json.error.message).toContain('HTTP 4xx');
    expect(probeHits).toBe(hits + 1); // one attempt: a probe is not retried
    const redirect = await w.api('POST', '/v1/settings/embedder-key/test', alice, { body: key(`http://127.0.0.1:${probePort}/redirect`) });
    expect(redirect.status).toBe(400);
    expect(redirect.json.error.message).toMatch(/redirect/);
    const closed = await w.api('POST', '/v1/settings/embedder-key/test', alice, { body: key('http://127.0.0.1:9/v1') });
    expect(closed.status).toBe(503);
    expect(closed.text).not.toMatch(/ECONNREFUSED|UND_ERR/);
    expect(logs.join('\n')).not.toContain('OpenSSH');
  });

  it('tells a user whose key was rejected to set theirs through the account, never the server environment', async () => {
    w.openai.failNext('unauthorized');
    const r = await w.api('POST', '/v1/settings/embedder-key/test', alice, { body: key(w.openai.baseURL) });
    expect(r.status).toBe(424);
    expect(r.json.error.message).toContain('PUT /v1/settings/embedder-key');
    expect(r.json.error.message).not.toMatch(/KAIROS_OPENAI_API_KEY|kairos config/);
  });

  it('limits key tests and saves per user', async () => {
    const bob = w.githubUser(8202, 'bob');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await w.api(i % 2 ? 'PUT' : 'POST', i % 2 ? '/v1/settings/embedder-key' : '/v1/settings/embedder-key/test', bob, { body: key(w.openai.baseURL) }))
          .status,
      );
    expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
    // Another user is not affected.
    expect((await w.api('POST', '/v1/settings/embedder-key/test', w.githubUser(8203, 'carol'), { body: key(w.openai.baseURL) })).status).toBe(200);
  });
});
