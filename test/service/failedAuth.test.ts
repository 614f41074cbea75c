/**
 * Failed sign-ins per client address: after N failures in a minute an address gets 429 +
 * Retry-After before any token is checked, so GitHub sees no more requests from bogus tokens.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisRateLimiter, type RateLimiter } from '../../src/ratelimit/index.js';
import { addressKey } from '../../src/server/clientAddress.js';
import { setLogSink } from '../../src/util/logger.js';
import { BACKENDS, REDIS_URL, startServiceWorld, type ServiceWorld } from './harness.js';

describe('the client address key', () => {
  it('keeps IPv4 as is, unwraps IPv4-mapped IPv6, and groups IPv6 by /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('2001:db8:0:12::1')).toBe('2001:db8:0:12::/64');
    expect(addressKey('2001:0DB8:0000:0012:ffff:1:2:3')).toBe('2001:db8:0:12::/64');
    expect(addressKey('[::1]')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

const limiters: Array<{ name: string; make(): RateLimiter | undefined }> = [
  { name: 'in-process', make: () => undefined },
  { name: 'redis', make: () => RedisRateLimiter.connect(REDIS_URL, `kairos_test_${randomBytes(6).toString('hex')}`) },
];

describe.each(limiters)('failed sign-in limits per address ($name limiter)', ({ make }) => {
  let w: ServiceWorld;
  const bogus = () => `gho_bogus_${randomBytes(8).toString('hex')}`;
  const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

  beforeAll(async () => {
    const limiter = make();
    w = await startServiceWorld(
      BACKENDS.find((b) => b.name === 'pglite')!,
      { KAIROS_AUTH_FAILURES_PER_MINUTE: '3', KAIROS_TRUST_PROXY: '1', KAIROS_ADMINS: 'github:5099' },
      limiter ? { limiter } : {},
    );
  });
  afterAll(async () => {
    await w?.close();
  });

  it('answers 429 with Retry-After after three failures from one address, without asking GitHub again', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await w.api('GET', '/v1/me', bogus(), from('198.51.100.1'))).status);
    expect(statuses).toEqual([401, 401, 401]);
    const upstream = w.github.userRequests();

    const blocked = await w.api('GET', '/v1/me', bogus(), from('198.51.100.1'));
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.message).toContain('Too many failed sign-ins');
    const retry = Number(blocked.headers.get('retry-after'));
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(60);
    // MCP is guarded the same way, and even a valid token waits out the window.
    expect((await w.api('POST', '/mcp', bogus(), { ...from('198.51.100.1'), body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } })).status).toBe(429);
    expect((await w.api('GET', '/v1/me', w.githubUser(5001, 'neighbour'), from('198.51.100.1'))).status).toBe(429);
    expect(w.github.userRequests()).toBe(upstream);
  });

  it('counts failures per credential path: a valid API key from a locked-out address still works', async () => {
    const owner = w.githubUser(5010, 'keyowner');
    const created = await w.api('POST', '/v1/keys', owner, { ...from('198.51.100.9'), body: { name: 'ci', scopes: ['read'] } });
    expect(created.status).toBe(201);
    const apiKey = created.json.key as string;
    for (let i = 0; i < 3; i++) await w.api('GET', '/v1/me', bogus(), from('198.51.100.20'));
    expect((await w.api('GET', '/v1/me', bogus(), from('198.51.100.20'))).status).toBe(429);
    // GitHub junk locked the GitHub path only.
    expect((await w.api('GET', '/v1/me', apiKey, from('198.51.100.20'))).status).toBe(200);
    // Junk API keys lock the API-key path, yet a valid key is still checked (within a larger budget) and works.
    const junkKey = () => `kairos_sk_${randomBytes(16).toString('hex')}`;
    const junk: number[] = [];
    for (let i = 0; i < 5; i++) junk.push((await w.api('GET', '/v1/me', junkKey(), from('198.51.100.20'))).status);
    expect(junk).toEqual([401, 401, 401, 429, 429]);
    expect((await w.api('GET', '/v1/me', apiKey, from('198.51.100.20'))).status).toBe(200);
  });

  it("keeps a bot's connector secret on its own path: junk from its address (other tokens, junk secrets) does not lock it out", async () => {
    const admin = w.githubUser(5099, 'operator');
    const made = await w.api('POST', '/v1/connectors', admin, {
      ...from('198.51.100.30'),
      body: { name: 'tg', channelType: 'telegram', firstContact: 'create' },
    });
    expect(made.status, made.text).toBe(201);
    const secret = made.json.secret as string;
    const asBot = (token: string) => w.api('GET', '/v1/me', token, { headers: { 'x-forwarded-for': '198.51.100.31', 'x-kairos-channel-user': '4242' } });
    // Shapeless junk (the 'other' path) from the bot's address.
    const junk: number[] = [];
    for (let i = 0; i < 4; i++) junk.push((await w.api('GET', '/v1/me', `junk-${randomBytes(8).toString('hex')}`, from('198.51.100.31'))).status);
    expect(junk).toEqual([401, 401, 401, 429]);
    expect((await asBot(secret)).status).toBe(200);
    // Junk connector secrets lock the connector path, yet the real secret is still checked within the larger budget.
    const junkSecrets: number[] = [];
    for (let i = 0; i < 4; i++) junkSecrets.push((await asBot(`kairos_ck_${randomBytes(24).toString('base64url')}`)).status);
    expect(junkSecrets).toEqual([401, 401, 401, 429]);
    expect((await asBot(secret)).status).toBe(200);
  });

  it('counts each address on its own, by the entry the trusted proxy appended', async () => {
    expect((await w.api('GET', '/v1/me', w.githubUser(5002, 'elsewhere'), from('198.51.100.2'))).status).toBe(200);
    // A client cannot dodge its count by prepending addresses of its own.
    expect((await w.api('GET', '/v1/me', bogus(), from('10.9.9.9, 198.51.100.1'))).status).toBe(429);
    expect((await w.api('GET', '/v1/me', bogus(), from('198.51.100.1, 198.51.100.3'))).status).toBe(401);
  });

  it('does not count successful sign-ins', async () => {
    const ok = w.githubUser(5003, 'steady');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await w.api('GET', '/v1/me', ok, from('198.51.100.4'))).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
  });
});

describe('failed sign-in limits without a trusted proxy', () => {
  it('uses the socket address, ignores X-Forwarded-For, and warns once that the proxy is not trusted', async () => {
    const logs: string[] = [];
    const prev = setLogSink((l) => logs.push(l));
    const w = await startServiceWorld(
      BACKENDS.find((b) => b.name === 'pglite')!,
      { KAIROS_AUTH_FAILURES_PER_MINUTE: '2' },
    );
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        statuses.push((await w.api('GET', '/v1/me', `gho_bogus_${i}`, { headers: { 'x-forwarded-for': `203.0.113.${i}` } })).status);
      }
      expect(statuses).toEqual([401, 401, 429]);
      const warnings = logs.filter((l) => l.includes('X-Forwarded-For') && l.includes('KAIROS_TRUST_PROXY'));
      expect(warnings).toHaveLength(1);
    } finally {
      await w.close();
      setLogSink(prev);
    }
  });
});
