/**
 * Tenant isolation: two users and an org with a non-member try every REST route and MCP tool
 * against each other's ids and spaces, with forged ids, revoked and expired keys, JWTs for the
 * wrong audience or issuer, and expired or reused link codes. Every attempt must be refused
 * (401/403/404, or an MCP tool error) and leave every tenant's data unchanged. The second suite
 * does the same for connectors (bots) acting for channel users.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userSpace } from '../../src/core/memory.js';
import { IDENTITY_TABLES } from '../../src/identity/migrations.js';
import { createWebSession } from '../../src/identity/webSessions.js';
import { createCode, createGrant, registerClient } from '../../src/identity/oauthStore.js';
import type { ApiOptions } from '../server/helpers.js';
import { BACKENDS, operatorEmbedderEnv, startServiceWorld, type ServiceWorld } from './harness.js';
import { connectMcp, toolText } from './mcpClient.js';
import { startFakeIssuer, type FakeIssuer } from '../fakes/jwksServer.js';

const REFUSED = [401, 403, 404];
/** Columns that change on a refused request by design (usage stamps, attempt counters, the audit trail). */
const VOLATILE = /"(last_used_at|last_seen_at|attempts)":("[^"]*"|\d+|null)/g;

/** Every identity table but the audit trail, without the columns a refused request may touch. */
async function identitySnapshot(w: ServiceWorld): Promise<string[]> {
  const parts: string[] = [];
  for (const table of IDENTITY_TABLES) {
    if (table === 'audit_log') continue;
    const { rows } = await w.server.runtime.db.query(`SELECT * FROM ${table} ORDER BY 1, 2`);
    parts.push(`${table}:${JSON.stringify(rows).replace(VOLATILE, '')}`);
  }
  return parts;
}

describe.each(BACKENDS)('tenant isolation on $name', (backend) => {
  let w: ServiceWorld;
  let rogueIssuer: FakeIssuer;
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  let attempts = 0;

  const t = { alice: '', bob: '', mallory: '', aliceOAuth: '', forgedOAuth: '' };
  const ids = { alice: '', bob: '', mallory: '', org: '', orgSpace: '', aliceMem: '', orgMem: '', bobMem: '', aliceKeyId: '', aliceGrant: '' };
  const keys = { revoked: '', expired: '', bobRead: '' };

  async function snapshot(): Promise<string> {
    const parts = await identitySnapshot(w);
    for (const [token, space] of [
      [t.alice, userSpace(ids.alice)],
      [t.bob, userSpace(ids.bob)],
      [t.alice, ids.orgSpace],
    ] as const) {
      const r = await w.api('GET', `/v1/export?space=${space}`, token);
      parts.push(`${space}:${r.text}`);
    }
    return parts.join('\n');
  }

  async function refused(label: string, method: string, path: string, token: string | null, opts: ApiOptions = {}): Promise<void> {
    const r = await w.api(method, path, token, opts);
    attempts++;
    expect(REFUSED, `${label}: ${method} ${path} → ${r.status} ${r.text.slice(0, 200)}`).toContain(r.status);
  }

  beforeAll(async () => {
    w = await startServiceWorld(backend, {}, { clock });
    rogueIssuer = await startFakeIssuer();
    t.alice = w.githubUser(3001, 'alice');
    t.bob = w.githubUser(3002, 'bob');
    t.mallory = w.githubUser(3003, 'mallory');
    for (const who of ['alice', 'bob', 'mallory'] as const) {
      ids[who] = (await w.api('GET', '/v1/me', t[who])).json.principal.uid;
      const put = await w.api('PUT', '/v1/settings/embedder-key', t[who], {
        body: { provider: 'openai', apiKey: `sk-${who}-key-000000000000`, model: 'text-embedding-3-small', endpoint: w.openai.baseURL },
      });
      expect(put.status).toBe(200);
    }
    ids.aliceMem = (await w.api('POST', '/v1/memories', t.alice, { body: { text: 'Alice private: the staging password rotates monthly.' } })).json.memory.id;
    ids.bobMem = (await w.api('POST', '/v1/memories', t.bob, { body: { text: 'Bob private: prefers rebase over merge.' } })).json.memory.id;
    const org = (await w.api('POST', '/v1/orgs', t.alice, { body: { name: 'Acme' } })).json;
    ids.org = org.oid;
    ids.orgSpace = org.space;
    const invite = (await w.api('POST', `/v1/orgs/${ids.org}/invites`, t.alice, { body: { role: 'reader' } })).json;
    expect((await w.api('POST', '/v1/orgs/join', t.bob, { body: { code: invite.code } })).status).toBe(200);
    ids.orgMem = (
      await w.api('POST', '/v1/memories', t.alice, { body: { text: 'Acme shared: releases are cut on Tuesdays.', space: ids.orgSpace } })
    ).json.memory.id;

    // An MCP client Alice authorized through the built-in authorization server.
    const db = w.server.runtime.db;
    const now = new Date();
    const client = await registerClient(db, { clientName: 'Alice agent', redirectUris: ['http://127.0.0.1:9/cb'], metadata: {}, secret: null });
    const code = {
      clientId: client.clientId,
      uid: ids.alice,
      redirectUri: 'http://127.0.0.1:9/cb',
      codeChallenge: 'x'.repeat(43),
      scopes: ['memories:read', 'memories:write'],
      resource: `${w.url}/mcp`,
    };
    const raw = await createCode(db, code, now);
    ids.aliceGrant = (await createGrant(db, raw, code, now)).grantId;
    t.aliceOAuth = await w.server.runtime.tokens.issue(
      { uid: ids.alice, grantId: ids.aliceGrant, clientId: client.clientId, scopes: code.scopes, resource: code.resource },
      now,
    );
    t.forgedOAuth = await w.server.runtime.tokens.issue(
      { uid: ids.bob, grantId: ids.aliceGrant, clientId: client.clientId, scopes: code.scopes, resource: code.resource },
      now,
    );
    const aliceMcp = await w.api('POST', '/mcp', t.aliceOAuth, {
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers: { accept: 'application/json, text/event-stream' },
    });
    expect(aliceMcp.status).toBe(200);

    const aliceKey = (await w.api('POST', '/v1/keys', t.alice, { body: { name: 'laptop', scopes: ['read', 'write'] } })).json;
    ids.aliceKeyId = aliceKey.id;
    const revoked = (await w.api('POST', '/v1/keys', t.alice, { body: { name: 'old', scopes: ['read', 'write', 'admin'] } })).json;
    await w.api('DELETE', `/v1/keys/${revoked.id}`, t.alice);
    keys.revoked = revoked.key;
    keys.expired = (
      await w.api('POST', '/v1/keys', t.alice, {
        body: { name: 'short', scopes: ['read', 'write', 'admin'], expiresAt: new Date(Date.now() + 60_000).toISOString() },
      })
    ).json.key;
    keys.bobRead = (await w.api('POST', '/v1/keys', t.bob, { body: { name: 'bob-read', scopes: ['read'] } })).json.key;
  });
  afterAll(async () => {
    await rogueIssuer?.close();
    await w?.close();
  });

  it('refuses every cross-tenant attempt and leaves all data unchanged', async () => {
    // Set-up for the link-code attempts: one code used legitimately, one left to expire, one invite left to expire.
    const jwt = await w.issuer.sign({ sub: 'mallory-alt', aud: w.audience });
    const codes = { used: '', stale: '', staleInvite: '', jwt2: await w.issuer.sign({ sub: 'mallory-alt2', aud: w.audience }) };
    codes.used = (await w.api('POST', '/v1/link/code', t.mallory)).json.code;
    expect((await w.api('POST', '/v1/link/redeem', jwt, { body: { code: codes.used } })).status).toBe(200);
    expect((await w.api('GET', '/v1/me', codes.jwt2)).status).toBe(200);
    codes.stale = (await w.api('POST', '/v1/link/code', t.alice)).json.code;
    codes.staleInvite = (await w.api('POST', `/v1/orgs/${ids.org}/invites`, t.alice, { body: { role: 'writer' } })).json.code;

    const before = await snapshot();
    const aliceSpace = userSpace(ids.alice);

    // Memory routes against another tenant's space: Bob → Alice's personal space, Mallory → the org she is not in, Bob (reader) writing to the org.
    const foreign: Array<[string, string, string]> = [
      ['bob→alice personal', t.bob, aliceSpace],
      ['mallory→org', t.mallory, ids.orgSpace],
      ['mallory→alice personal', t.mallory, aliceSpace],
    ];
    for (const [label, token, space] of foreign) {
      const mem = space === ids.orgSpace ? ids.orgMem : ids.aliceMem;
      await refused(label, 'GET', `/v1/memories?space=${space}`, token);
      await refused(label, 'POST', '/v1/memories', token, { body: { text: 'forged write', space } });
      await refused(label, 'POST', '/v1/search', token, { body: { query: 'password releases', spaces: [space] } });
      await refused(label, 'GET', `/v1/memories/${mem}?space=${space}`, token);
      await refused(label, 'GET', `/v1/memories/${mem}`, token);
      await refused(label, 'PATCH', `/v1/memories/${mem}?space=${space}`, token, { body: { text: 'tampered' } });
      await refused(label, 'PATCH', `/v1/memories/${mem}`, token, { body: { text: 'tampered' } });
      await refused(label, 'POST', `/v1/memories/${mem}/restore?space=${space}`, token, { body: { version: 1 } });
      await refused(label, 'DELETE', `/v1/memories/${mem}?space=${space}`, token);
      await refused(label, 'DELETE', `/v1/memories/${mem}`, token);
      await refused(label, 'GET', `/v1/export?space=${space}`, token);
      await refused(label, 'POST', `/v1/import?space=${space}&format=jsonl`, token, { raw: '{"text":"forged import"}\n' });
      await refused(label, 'POST', `/v1/reembed?space=${space}`, token);
    }
    // A reader of the org cannot change it.
    await refused('bob reader→org', 'POST', '/v1/memories', t.bob, { body: { text: 'reader write', space: ids.orgSpace } });
    await refused('bob reader→org', 'PATCH', `/v1/memories/${ids.orgMem}?space=${ids.orgSpace}`, t.bob, { body: { text: 'tampered' } });
    await refused('bob reader→org', 'DELETE', `/v1/memories/${ids.orgMem}?space=${ids.orgSpace}`, t.bob);
    await refused('bob reader→org', 'POST', `/v1/import?space=${ids.orgSpace}&format=jsonl`, t.bob, { raw: '{"text":"forged"}\n' });
    // A read-only key cannot write even its own space.
    await refused('bob read key', 'POST', '/v1/memories', keys.bobRead, { body: { text: 'read key write' } });
    await refused('bob read key', 'DELETE', `/v1/memories/${ids.bobMem}`, keys.bobRead);
    await refused('bob read key', 'POST', '/v1/keys', keys.bobRead, { body: { name: 'x', scopes: ['admin'] } });
    await refused('bob read key', 'DELETE', '/v1/me', keys.bobRead);

    // Account routes with another tenant's ids in paths.
    await refused('bob revokes alice key', 'DELETE', `/v1/keys/${ids.aliceKeyId}`, t.bob);
    await refused('mallory invites to org', 'POST', `/v1/orgs/${ids.org}/invites`, t.mallory, { body: { role: 'owner' } });
    await refused('bob (reader) invites to org', 'POST', `/v1/orgs/${ids.org}/invites`, t.bob, { body: { role: 'owner' } });
    await refused('mallory removes alice', 'DELETE', `/v1/orgs/${ids.org}/members/${ids.alice}`, t.mallory);
    await refused('bob removes alice', 'DELETE', `/v1/orgs/${ids.org}/members/${ids.alice}`, t.bob);
    await refused('mallory leaves org', 'POST', `/v1/orgs/${ids.org}/leave`, t.mallory);
    await refused('bob unlinks alice github', 'DELETE', '/v1/link/channels/github/3001', t.bob);
    // Alice's connected MCP client: Bob can neither revoke it nor borrow its grant.
    await refused('bob revokes alice mcp grant', 'DELETE', `/v1/oauth/grants/${ids.aliceGrant}`, t.bob);
    await refused('alice mcp token on /v1', 'GET', '/v1/memories', t.aliceOAuth);
    await refused('forged token: bob as subject of alice grant', 'POST', '/mcp', t.forgedOAuth, {
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers: { accept: 'application/json, text/event-stream' },
    });
    expect((await w.api('GET', '/v1/oauth/grants', t.bob)).json.items).toEqual([]);
    await refused('mallory joins with a made-up code', 'POST', '/v1/orgs/join', t.mallory, { body: { code: 'AAAAA-BBBBB' } });

    // Dead credentials on every route family.
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/v1/me'],
      ['GET', '/v1/memories'],
      ['POST', '/v1/search', { query: 'password' }],
      ['POST', '/v1/keys', { name: 'x', scopes: ['admin'] }],
      ['GET', '/v1/settings/embedder-key'],
      ['GET', '/v1/me/export'],
      ['DELETE', '/v1/me'],
      ['POST', '/mcp', { jsonrpc: '2.0', id: 1, method: 'tools/list' }],
    ];
    offsetMs = 2 * 60_000; // the short-lived key has now expired
    const wrongAudience = await w.issuer.sign({ sub: 'alice', aud: 'another-app' });
    const wrongIssuer = await rogueIssuer.sign({ sub: 'alice', aud: w.audience });
    const forgedIssuer = await rogueIssuer.sign({ sub: 'alice', aud: w.audience }, { issuer: w.issuer.issuer });
    const expiredJwt = await w.issuer.sign({ sub: 'alice', aud: w.audience }, { expiresIn: Math.floor(Date.now() / 1000) - 300 });
    const dead = {
      revoked: keys.revoked,
      expired: keys.expired,
      wrongAudience,
      wrongIssuer,
      forgedIssuer,
      expiredJwt,
      garbage: 'kairos_sk_' + 'A'.repeat(43),
      none: null,
    };
    for (const [label, token] of Object.entries(dead)) {
      for (const [method, path, body] of routes) await refused(`dead credential ${label}`, method, path, token, body === undefined ? {} : { body });
    }

    // Link codes and invites: reused and expired (created before the snapshot).
    await refused('reused link code', 'POST', '/v1/link/redeem', codes.jwt2, { body: { code: codes.used } });
    offsetMs += 11 * 60_000;
    await refused('expired link code', 'POST', '/v1/link/redeem', codes.jwt2, { body: { code: codes.stale } });
    offsetMs += 8 * 24 * 60 * 60_000;
    await refused('expired invite', 'POST', '/v1/orgs/join', t.mallory, { body: { code: codes.staleInvite } });

    // MCP tools against other tenants' spaces and ids.
    const mcp = await connectMcp(w.url, t.mallory);
    const tools: Array<[string, Record<string, unknown>]> = [
      ['remember', { text: 'forged', space: ids.orgSpace }],
      ['remember', { text: 'forged', space: aliceSpace }],
      ['search', { query: 'releases', spaces: [ids.orgSpace] }],
      ['search', { query: 'password', spaces: [aliceSpace] }],
      ['list_memories', { space: ids.orgSpace }],
      ['list_memories', { space: aliceSpace }],
      ['get_memory', { id: ids.aliceMem }],
      ['get_memory', { id: ids.orgMem, space: ids.orgSpace }],
      ['update_memory', { id: ids.aliceMem, text: 'tampered' }],
      ['update_memory', { id: ids.orgMem, text: 'tampered', space: ids.orgSpace }],
      ['forget', { id: ids.aliceMem }],
      ['forget', { id: ids.orgMem, space: ids.orgSpace }],
      ['link_account', { action: 'redeem', code: codes.used }],
    ];
    try {
      for (const [name, args] of tools) {
        const r = await mcp.call(name, args);
        attempts++;
        expect(r.isError, `${name} ${JSON.stringify(args)} → ${toolText(r)}`).toBe(true);
        expect(toolText(r)).toMatch(/no access|No memory|unknown, already used or expired/);
      }
    } finally {
      await mcp.close();
    }
    const bobMcp = await connectMcp(w.url, t.bob);
    try {
      for (const [name, args] of [
        ['remember', { text: 'reader write', space: ids.orgSpace }],
        ['update_memory', { id: ids.orgMem, text: 'tampered', space: ids.orgSpace }],
        ['forget', { id: ids.orgMem, space: ids.orgSpace }],
        ['get_memory', { id: ids.aliceMem }],
      ] as Array<[string, Record<string, unknown>]>) {
        const r = await bobMcp.call(name, args);
        attempts++;
        expect(r.isError, `${name} → ${toolText(r)}`).toBe(true);
      }
    } finally {
      await bobMcp.close();
    }

    offsetMs = 0;
    const after = await snapshot();
    expect(after).toBe(before);
    // Bob and Alice's memories are intact.
    expect((await w.api('GET', `/v1/memories/${ids.aliceMem}`, t.alice)).json.text).toContain('staging password');
    expect((await w.api('GET', `/v1/memories/${ids.orgMem}`, t.alice)).json.version).toBe(1);

    console.log(`[isolation ${backend.name}] ${attempts} cross-tenant attempts, all refused`);
    expect(attempts).toBeGreaterThan(100);
  });
});

const MCP_HEADERS = { accept: 'application/json, text/event-stream' };

describe.each(BACKENDS)('connector isolation on $name', (backend) => {
  let w: ServiceWorld;
  const bots = { tgHome: '', tgWork: '', discord: '', revoked: '' };
  const ids = { tg1: '', tg2: '', disc: '', tg1Mem: '', tg2Mem: '', discMem: '' };
  let userKey = '';
  let carol = '';
  /** Carol's console session cookie. */
  let carolCookie = '';
  /** Each case and the answer it got, printed for the record. */
  const answers: string[] = [];

  const headersFor = (user?: string, extra: Record<string, string> = {}): Record<string, string> => ({
    ...(user !== undefined ? { 'x-kairos-channel-user': user } : {}),
    ...extra,
  });

  async function snapshot(): Promise<string> {
    const parts = await identitySnapshot(w);
    for (const [secret, user, uid] of [
      [bots.tgHome, '1001', ids.tg1],
      [bots.tgHome, '1002', ids.tg2],
      [bots.discord, '2001', ids.disc],
    ] as const) {
      const exported = await w.api('GET', `/v1/export?space=${userSpace(uid)}`, secret, { headers: headersFor(user) });
      // A refused export would compare equal before and after: the snapshot must hold the data.
      expect(exported.status, exported.text).toBe(200);
      parts.push(`${uid}:${exported.text}`);
    }
    return parts.join('\n');
  }

  async function refusedAs(
    label: string,
    expected: number[],
    secret: string,
    user: string | undefined,
    method: string,
    path: string,
    opts: ApiOptions = {},
  ): Promise<void> {
    const r = await w.api(method, path, secret, { ...opts, headers: { ...headersFor(user), ...(opts.headers ?? {}) } });
    answers.push(`${label}: ${method} ${path} → ${r.status} ${r.json?.error?.code ?? r.json?.error?.message ?? ''}`.trim());
    expect(expected, `${label}: ${method} ${path} → ${r.status} ${r.text.slice(0, 200)}`).toContain(r.status);
  }

  beforeAll(async () => {
    w = await startServiceWorld(backend, ({ openai }) => ({ KAIROS_ADMINS: 'github:5000', ...operatorEmbedderEnv(openai) }));
    const admin = w.githubUser(5000, 'operator');
    const make = async (name: string, channelType: string, firstContact: string): Promise<{ id: string; secret: string }> =>
      (await w.api('POST', '/v1/connectors', admin, { body: { name, channelType, firstContact } })).json;
    bots.tgHome = (await make('home telegram bot', 'telegram', 'create')).secret;
    bots.tgWork = (await make('work telegram bot', 'telegram', 'refuse')).secret;
    bots.discord = (await make('discord bot', 'discord', 'refuse')).secret;
    const revoked = await make('retired bot', 'telegram', 'create');
    bots.revoked = revoked.secret;
    expect((await w.api('DELETE', `/v1/connectors/${revoked.id}`, admin)).status).toBe(200);

    const remember = async (secret: string, user: string, text: string): Promise<string> => {
      const r = await w.api('POST', '/v1/memories', secret, { headers: headersFor(user), body: { text } });
      expect(r.status, r.text).toBe(201);
      return r.json.memory.id;
    };
    ids.tg1Mem = await remember(bots.tgHome, '1001', 'Telegram 1001 private: the door code is in the blue notebook.');
    ids.tg2Mem = await remember(bots.tgHome, '1002', 'Telegram 1002 private: allergic to peanuts.');
    ids.tg1 = (await w.api('GET', '/v1/me', bots.tgHome, { headers: headersFor('1001') })).json.principal.uid;
    ids.tg2 = (await w.api('GET', '/v1/me', bots.tgHome, { headers: headersFor('1002') })).json.principal.uid;
    // Carol signs in with GitHub and links her Discord account through the Discord bot.
    carol = w.githubUser(5003, 'carol');
    const code = (await w.api('POST', '/v1/link/code', carol)).json.code;
    expect((await w.api('POST', '/v1/link/redeem', bots.discord, { headers: headersFor('2001'), body: { code } })).status).toBe(200);
    ids.disc = (await w.api('GET', '/v1/me', carol)).json.principal.uid;
    ids.discMem = await remember(bots.discord, '2001', 'Carol private: the release checklist lives in the wiki.');
    userKey = (await w.api('POST', '/v1/keys', carol, { body: { name: 'carol laptop', scopes: ['read', 'write', 'admin'] } })).json.key;
    carolCookie = `kairos_session=${(await createWebSession(w.server.runtime.db, ids.disc, new Date())).id}`;
  });
  afterAll(async () => {
    console.log(`[connector isolation ${backend.name}]\n  ${answers.join('\n  ')}`);
    await w?.close();
  });

  it('refuses every connector attempt outside its own channel users and leaves all data unchanged', async () => {
    const before = await snapshot();
    const tg1Space = userSpace(ids.tg1);
    const discSpace = userSpace(ids.disc);

    // 1. A telegram connector naming a discord user: by channel type, by the discord user's id, by unlinking it.
    await refusedAs('telegram connector claims channel type discord', [403], bots.tgHome, '2001', 'GET', '/v1/memories', {
      headers: { 'x-kairos-channel-type': 'discord' },
    });
    await refusedAs('telegram connector (refuse) names the discord user id', [403], bots.tgWork, '2001', 'GET', '/v1/memories');
    await refusedAs('telegram connector reads the discord user space', [403], bots.tgWork, '2001', 'GET', `/v1/memories?space=${discSpace}`);
    await refusedAs('telegram connector unlinks a discord channel', [403], bots.tgHome, '1001', 'DELETE', '/v1/link/channels/discord/2001');

    // 2. A channel user the connector never saw, policy refuse.
    await refusedAs('unknown channel user, policy refuse', [403], bots.discord, '2999', 'GET', '/v1/memories');
    await refusedAs('unknown channel user, policy refuse', [403], bots.discord, '2999', 'POST', '/v1/memories', { body: { text: 'sneaky' } });
    await refusedAs('unknown channel user, policy refuse', [403], bots.discord, '2999', 'POST', '/v1/search', { body: { query: 'release checklist' } });
    await refusedAs('unknown channel user, policy refuse', [403], bots.discord, '2999', 'POST', '/v1/link/code');
    await refusedAs('unknown channel user, policy refuse', [404], bots.discord, '2999', 'POST', '/v1/link/redeem', { body: { code: 'AAAAA-BBBBB' } });

    // 3. Two channel users of one connector reading each other's memories.
    const tg2 = '1002';
    await refusedAs('channel user 1002 lists 1001 space', [403], bots.tgHome, tg2, 'GET', `/v1/memories?space=${tg1Space}`);
    await refusedAs('channel user 1002 reads 1001 memory', [404], bots.tgHome, tg2, 'GET', `/v1/memories/${ids.tg1Mem}`);
    await refusedAs('channel user 1002 reads 1001 memory', [403], bots.tgHome, tg2, 'GET', `/v1/memories/${ids.tg1Mem}?space=${tg1Space}`);
    await refusedAs('channel user 1002 searches 1001 space', [403], bots.tgHome, tg2, 'POST', '/v1/search', {
      body: { query: 'door code', spaces: [tg1Space] },
    });
    await refusedAs('channel user 1002 edits 1001 memory', [403, 404], bots.tgHome, tg2, 'PATCH', `/v1/memories/${ids.tg1Mem}`, { body: { text: 'tampered' } });
    await refusedAs('channel user 1002 deletes 1001 memory', [403, 404], bots.tgHome, tg2, 'DELETE', `/v1/memories/${ids.tg1Mem}?space=${tg1Space}`);
    await refusedAs('channel user 1002 exports 1001 space', [403], bots.tgHome, tg2, 'GET', `/v1/export?space=${tg1Space}`);
    const ownSearch = await w.api('POST', '/v1/search', bots.tgHome, { headers: headersFor(tg2), body: { query: 'door code blue notebook' } });
    expect(JSON.stringify(ownSearch.json)).not.toContain('blue notebook');

    // 4. A channel user of connector A reaching a space of connector B's user.
    await refusedAs('telegram user reads discord user space', [403], bots.tgHome, '1001', 'GET', `/v1/memories?space=${discSpace}`);
    await refusedAs('telegram user reads discord user memory', [404], bots.tgHome, '1001', 'GET', `/v1/memories/${ids.discMem}`);
    await refusedAs('telegram user writes discord user space', [403], bots.tgHome, '1001', 'POST', '/v1/memories', {
      body: { text: 'forged', space: discSpace },
    });
    await refusedAs('discord user searches telegram user space', [403], bots.discord, '2001', 'POST', '/v1/search', {
      body: { query: 'door code', spaces: [tg1Space] },
    });

    // 5. A revoked connector.
    await refusedAs('revoked connector', [401], bots.revoked, '1001', 'GET', '/v1/memories');
    await refusedAs('revoked connector', [401], bots.revoked, '1001', 'POST', '/v1/memories', { body: { text: 'late write' } });
    await refusedAs('revoked connector on MCP', [401], bots.revoked, '1001', 'POST', '/mcp', {
      headers: MCP_HEADERS,
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    await refusedAs('forged connector secret', [401], `kairos_ck_${'A'.repeat(43)}`, '1001', 'GET', '/v1/memories');

    // 6. A user API key (and a sign-in token) trying to act as a connector.
    await refusedAs('user API key with channel header', [403], userKey, '1001', 'GET', '/v1/memories');
    await refusedAs('user API key with channel header', [403], userKey, '1001', 'POST', '/v1/memories', { body: { text: 'as telegram 1001' } });
    await refusedAs('user API key with channel type header', [403], userKey, undefined, 'GET', '/v1/memories', {
      headers: { 'x-kairos-channel-type': 'telegram' },
    });
    await refusedAs('user API key with channel header on MCP', [403], userKey, '1001', 'POST', '/mcp', {
      headers: MCP_HEADERS,
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    await refusedAs('GitHub sign-in token with channel header', [403], carol, '1001', 'GET', '/v1/memories');
    // Carol's console session is valid (it lists her memories), yet it may not name a channel user either.
    expect((await w.api('GET', '/v1/memories', null, { headers: { cookie: carolCookie } })).status).toBe(200);
    await refusedAs('web session cookie with channel header', [403], '', '1001', 'GET', '/v1/memories', { token: null, headers: { cookie: carolCookie } });
    await refusedAs('web session cookie with channel header', [403], '', '1001', 'POST', '/v1/memories', {
      token: null,
      headers: { cookie: carolCookie, 'x-kairos-csrf': '1', origin: w.url },
      body: { text: 'as telegram 1001 from the console' },
    });
    await refusedAs('connector without channel user', [400], bots.tgHome, undefined, 'GET', '/v1/memories');

    // The same over MCP, as a bot would call it.
    const asTg2 = await connectMcp(w.url, bots.tgHome, headersFor(tg2));
    const unknown = await connectMcp(w.url, bots.discord, headersFor('2999'));
    try {
      for (const [mcp, label, name, args] of [
        [asTg2, 'MCP channel user 1002 → 1001', 'get_memory', { id: ids.tg1Mem }],
        [asTg2, 'MCP channel user 1002 → 1001', 'search', { query: 'door code', spaces: [tg1Space] }],
        [asTg2, 'MCP channel user 1002 → 1001', 'update_memory', { id: ids.tg1Mem, text: 'tampered' }],
        [asTg2, 'MCP channel user 1002 → 1001', 'forget', { id: ids.tg1Mem, space: tg1Space }],
        [asTg2, 'MCP telegram user → discord user', 'list_memories', { space: discSpace }],
        [asTg2, 'MCP telegram connector unlinks discord', 'link_account', { action: 'unlink', channel: { type: 'discord', uid: '2001' } }],
        [unknown, 'MCP unknown channel user, policy refuse', 'remember', { text: 'sneaky' }],
        [unknown, 'MCP unknown channel user, policy refuse', 'search', { query: 'release checklist' }],
        [unknown, 'MCP unknown channel user, policy refuse', 'get_memory', { id: ids.discMem }],
        [unknown, 'MCP unknown channel user, policy refuse', 'link_account', { action: 'create_code' }],
      ] as Array<[typeof asTg2, string, string, Record<string, unknown>]>) {
        const r = await mcp.call(name, args);
        answers.push(`${label}: ${name} → isError ${String(r.isError)}: ${toolText(r).slice(0, 90)}`);
        expect(r.isError, `${label} ${name} → ${toolText(r)}`).toBe(true);
      }
      expect(toolText(await unknown.call('search', { query: 'x' }))).toMatch(/not linked to a Kairos account yet/);
    } finally {
      await asTg2.close();
      await unknown.close();
    }

    expect(await snapshot()).toBe(before);
    expect((await w.api('GET', `/v1/memories/${ids.tg1Mem}`, bots.tgHome, { headers: headersFor('1001') })).json.text).toContain('blue notebook');
  });
});
