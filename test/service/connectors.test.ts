/**
 * Connectors (bots) on both identity stores, over real HTTP: an admin registers them, they act
 * for their channel users with X-Kairos-Channel-User, first contact follows the policy, link codes
 * work through them, revocation and expiry bite at once, the audit log names the connector and
 * never the channel user, and deleting a user removes their channel identities.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userSpace } from '../../src/core/memory.js';
import { CONNECTOR_PREFIX } from '../../src/identity/connectors.js';
import { sha256Hex } from '../../src/identity/ids.js';
import type { ApiOptions, ApiResponse } from '../server/helpers.js';
import { BACKENDS, operatorEmbedderEnv, startServiceWorld, type ServiceWorld } from './harness.js';

describe.each(BACKENDS)('connectors on $name', (backend) => {
  let w: ServiceWorld;
  let offsetMs = 0;
  const clock = { now: () => new Date(Date.now() + offsetMs) };
  const t = { admin: '', alice: '' };
  const bots = { telegram: '', discord: '', slackRefuse: '' };
  const ids = { telegram: '', discord: '' };

  function asBot(secret: string, channelUser: string | undefined, method: string, path: string, opts: ApiOptions = {}): Promise<ApiResponse> {
    const headers = { ...(opts.headers ?? {}), ...(channelUser !== undefined ? { 'x-kairos-channel-user': channelUser } : {}) };
    return w.api(method, path, secret, { ...opts, headers });
  }

  async function connector(name: string, channelType: string, firstContact: 'create' | 'refuse', extra: Record<string, unknown> = {}): Promise<ApiResponse> {
    return w.api('POST', '/v1/connectors', t.admin, { body: { name, channelType, firstContact, ...extra } });
  }

  beforeAll(async () => {
    w = await startServiceWorld(backend, ({ openai }) => ({ KAIROS_ADMINS: 'github:9001', ...operatorEmbedderEnv(openai) }), { clock });
    t.admin = w.githubUser(9001, 'operator');
    t.alice = w.githubUser(9002, 'alice');
    for (const [key, type, policy] of [
      ['telegram', 'telegram', 'create'],
      ['discord', 'discord', 'refuse'],
    ] as const) {
      const r = await connector(`${type} bot`, type, policy);
      expect(r.status, r.text).toBe(201);
      bots[key] = r.json.secret;
      ids[key] = r.json.id;
    }
  });
  afterAll(async () => {
    await w?.close();
  });

  it('lets only a deployment admin register connectors, and shows the secret once, hashed at rest', async () => {
    expect((await connector('nope', 'slack', 'create')).status).toBe(201);
    const notAdmin = await w.api('POST', '/v1/connectors', t.alice, { body: { name: 'x', channelType: 'slack' } });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.json.error.message).toContain('KAIROS_ADMINS');
    expect((await w.api('GET', '/v1/connectors', t.alice)).status).toBe(403);
    const adminKey = (await w.api('POST', '/v1/keys', t.admin, { body: { name: 'ops', scopes: ['read', 'write', 'admin'] } })).json.key;
    const readKey = (await w.api('POST', '/v1/keys', t.admin, { body: { name: 'ops-read', scopes: ['read'] } })).json.key;
    expect((await w.api('GET', '/v1/connectors', adminKey)).status).toBe(200);
    expect((await w.api('GET', '/v1/connectors', readKey)).status).toBe(403);

    const created = await connector('web app', 'web', 'refuse', { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(created.status).toBe(201);
    expect(created.json.secret).toMatch(/^kairos_ck_[A-Za-z0-9_-]{43}$/);
    expect(created.json.prefix).toBe(created.json.secret.slice(0, CONNECTOR_PREFIX.length + 8));
    expect(created.json).toMatchObject({ name: 'web app', channelType: 'web', firstContact: 'refuse', lastUsedAt: null, revokedAt: null });
    const { rows } = await w.server.runtime.db.query<{ hash: string }>('SELECT hash FROM connectors WHERE id = $1', [created.json.id]);
    expect(rows[0]!.hash).toBe(sha256Hex(created.json.secret));
    expect(JSON.stringify(rows)).not.toContain(created.json.secret.slice(CONNECTOR_PREFIX.length));
    const listed = (await w.api('GET', '/v1/connectors', t.admin)).json.items;
    expect(listed.find((c: { id: string }) => c.id === created.json.id)).not.toHaveProperty('secret');
    expect(JSON.stringify(listed)).not.toContain(created.json.secret);

    // Without a policy the safe one applies; defaults expire within a year.
    const plain = await w.api('POST', '/v1/connectors', t.admin, { body: { name: 'slack', channelType: 'slack' } });
    expect(plain.json.firstContact).toBe('refuse');
    expect(Date.parse(plain.json.expiresAt)).toBeGreaterThan(Date.now() + 300 * 86_400_000);
  });

  it('answers bad connector requests with 400 saying what to fix', async () => {
    for (const channelType of ['Telegram', 'tele gram', '', 'github', 'oidc']) {
      const r = await connector('bad', channelType, 'create');
      expect(r.status, channelType).toBe(400);
      expect(r.json.error.message.length).toBeGreaterThan(10);
    }
    expect((await connector('bad', 'telegram', 'maybe' as 'create')).status).toBe(400);
    expect((await connector('past', 'telegram', 'create', { expiresAt: new Date(Date.now() - 1000).toISOString() })).status).toBe(400);
  });

  it('acts for the channel user the header names, per request, and records the last use', async () => {
    const none = await asBot(bots.telegram, undefined, 'GET', '/v1/me');
    expect(none.status).toBe(400);
    expect(none.json.error.message).toContain('X-Kairos-Channel-User');
    expect((await asBot(bots.telegram, 'has space', 'GET', '/v1/me')).status).toBe(400);
    expect((await asBot(bots.telegram, 'x'.repeat(201), 'GET', '/v1/me')).status).toBe(400);

    const first = await asBot(bots.telegram, '111', 'GET', '/v1/me');
    expect(first.status).toBe(200);
    expect(first.json.principal.via).toBe('connector');
    expect(first.json.spaces).toEqual([expect.objectContaining({ kind: 'personal', role: 'owner' })]);
    const again = await asBot(bots.telegram, '111', 'GET', '/v1/me');
    expect(again.json.principal.uid).toBe(first.json.principal.uid);
    const other = await asBot(bots.telegram, '222', 'GET', '/v1/me');
    expect(other.json.principal.uid).not.toBe(first.json.principal.uid);

    const listed = (await w.api('GET', '/v1/connectors', t.admin)).json.items.find((c: { id: string }) => c.id === ids.telegram);
    expect(listed.lastUsedAt).not.toBeNull();
    // Keys, grants, settings and exports stay with the person's own credentials.
    for (const [method, path] of [
      ['GET', '/v1/keys'],
      ['POST', '/v1/keys'],
      ['GET', '/v1/oauth/grants'],
      ['GET', '/v1/settings/embedder-key'],
      ['GET', '/v1/me/export'],
      ['DELETE', '/v1/me'],
      ['GET', '/v1/connectors'],
    ] as const) {
      const r = await asBot(bots.telegram, '111', method, path, method === 'POST' ? { body: { name: 'x', scopes: ['admin'] } } : {});
      expect(r.status, `${method} ${path}`).toBe(403);
    }
  });

  it('refuses an unknown channel user under "refuse" with a message to link, but lets it redeem a code', async () => {
    const r = await asBot(bots.discord, '555', 'GET', '/v1/memories');
    expect(r.status).toBe(403);
    expect(r.json.error.message).toMatch(/not linked.*link code/);
    expect((await asBot(bots.discord, '555', 'POST', '/v1/memories', { body: { text: 'x' } })).status).toBe(403);
    expect((await asBot(bots.discord, '555', 'POST', '/v1/link/code')).status).toBe(403);
    const before = await w.server.runtime.db.query("SELECT 1 FROM channel_identities WHERE channel_type = 'discord'");
    expect(before.rows).toHaveLength(0);

    const aliceUid = (await w.api('GET', '/v1/me', t.alice)).json.principal.uid;
    const code = (await w.api('POST', '/v1/link/code', t.alice)).json.code;
    const redeemed = await asBot(bots.discord, '555', 'POST', '/v1/link/redeem', { body: { code } });
    expect(redeemed.status, redeemed.text).toBe(200);
    expect(redeemed.json).toMatchObject({ linked: true, uid: aliceUid, channel: { type: 'discord', uid: '555' } });
    expect((await asBot(bots.discord, '555', 'GET', '/v1/me')).json.principal.uid).toBe(aliceUid);
    expect((await asBot(bots.discord, '555', 'POST', '/v1/link/redeem', { body: { code } })).status).toBe(404);

    // Through the bot the person sees their channels; other channel types show their type only.
    const channels = (await asBot(bots.discord, '555', 'GET', '/v1/link/channels')).json.items;
    expect(channels).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'discord', uid: '555' }),
        { type: 'github', createdAt: expect.any(String), lastSeenAt: expect.any(String), displayName: null },
      ]),
    );
    expect(JSON.stringify(channels)).not.toContain('9002');
    // A discord bot cannot unlink the person's GitHub sign-in, only its own channel.
    expect((await asBot(bots.discord, '555', 'DELETE', '/v1/link/channels/github/9002')).status).toBe(403);
    expect((await asBot(bots.discord, '555', 'DELETE', '/v1/link/channels/discord/555')).status).toBe(200);
    expect((await asBot(bots.discord, '555', 'GET', '/v1/me')).status).toBe(403);
  });

  it("asks before linking a bot user who holds memories, then merges them into the person's account", async () => {
    const before = await asBot(bots.telegram, '444', 'POST', '/v1/memories', { body: { text: 'Telegram 444: the staging database restarts at 04:00 UTC.' } });
    expect(before.status, before.text).toBe(201);
    const botUid = (await asBot(bots.telegram, '444', 'GET', '/v1/me')).json.principal.uid;
    const aliceUid = (await w.api('GET', '/v1/me', t.alice)).json.principal.uid;
    const { code } = (await w.api('POST', '/v1/link/code', t.alice)).json;

    const ask = await asBot(bots.telegram, '444', 'POST', '/v1/link/redeem', { body: { code } });
    expect(ask.status).toBe(409);
    expect(ask.json.error.message).toContain('holds 1 memories');
    const done = await asBot(bots.telegram, '444', 'POST', '/v1/link/redeem', { body: { code, merge: true } });
    expect(done.status, done.text).toBe(200);
    expect(done.json.merged).toMatchObject({ created: 1, failed: 0 });

    // The bot now speaks for Alice's account, which holds the memory; the emptied account is gone.
    expect((await asBot(bots.telegram, '444', 'GET', '/v1/me')).json.principal.uid).toBe(aliceUid);
    const hits = await w.api('POST', '/v1/search', t.alice, { body: { query: 'staging database restart' } });
    expect(hits.json.items.map((h: { memory: { text: string } }) => h.memory.text)).toContain('Telegram 444: the staging database restarts at 04:00 UTC.');
    expect((await w.server.runtime.store.listCollections()).map((c) => c.name)).not.toContain(userSpace(botUid));
    expect((await w.server.runtime.db.query('SELECT 1 FROM users WHERE uid = $1', [botUid])).rows).toHaveLength(0);
  });

  it('caps link codes and redeem attempts per connector, across all its channel users', async () => {
    const made = await connector('capped bot', 'slack', 'create');
    expect(made.status, made.text).toBe(201);
    const bot = made.json.secret as string;
    // 500 codes per 10 minutes: 100 channel users at their own cap of 5, then a fresh one is refused.
    const codes: number[] = [];
    for (let u = 0; u < 100; u++) for (let i = 0; i < 5; i++) codes.push((await asBot(bot, `c${u}`, 'POST', '/v1/link/code')).status);
    expect([...new Set(codes)]).toEqual([201]);
    const overCodes = await asBot(bot, 'c-fresh', 'POST', '/v1/link/code');
    expect(overCodes.status).toBe(429);
    expect(overCodes.json.error.message).toContain('link codes through this connector');
    // 200 redeem attempts per 10 minutes: 20 channel users at their own cap of 10 (unknown codes: 404), then a fresh one is refused.
    const redeems: number[] = [];
    for (let u = 0; u < 20; u++)
      for (let i = 0; i < 10; i++) redeems.push((await asBot(bot, `r${u}`, 'POST', '/v1/link/redeem', { body: { code: 'AAAAA-BBBBB' } })).status);
    expect([...new Set(redeems)]).toEqual([404]);
    const overRedeems = await asBot(bot, 'r-fresh', 'POST', '/v1/link/redeem', { body: { code: 'AAAAA-BBBBB' } });
    expect(overRedeems.status).toBe(429);
    expect(overRedeems.json.error.message).toContain('link code attempts through this connector');
  }, 180_000);

  it('rate-limits link codes per channel user', async () => {
    for (let i = 0; i < 5; i++) expect((await asBot(bots.telegram, '333', 'POST', '/v1/link/code')).status).toBe(201);
    const sixth = await asBot(bots.telegram, '333', 'POST', '/v1/link/code');
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await asBot(bots.telegram, '334', 'POST', '/v1/link/code')).status).toBe(201);
  });

  it('writes audit rows that name the connector and channel type, never the channel user', async () => {
    const { rows } = await w.server.runtime.db.query<{
      event: string;
      connector_id: string | null;
      channel_type: string | null;
      actor_uid: string | null;
      target: string | null;
    }>('SELECT event, connector_id, channel_type, actor_uid, target FROM audit_log WHERE connector_id IS NOT NULL ORDER BY id');
    const events = rows.map((r) => `${r.event}:${r.channel_type}`);
    expect(events).toEqual(
      expect.arrayContaining([
        'connector.created:telegram',
        'connector.user_created:telegram',
        'link.redeemed:discord',
        'link.unlinked:discord',
        'link.code_created:telegram',
      ]),
    );
    expect(rows.find((r) => r.event === 'link.redeemed' && r.channel_type === 'discord')!.connector_id).toBe(ids.discord);
    // Every column but the row id and time (numbers that can spell "111" by chance).
    const all = JSON.stringify((await w.server.runtime.db.query('SELECT event, actor_uid, target, connector_id, channel_type FROM audit_log')).rows);
    for (const channelUser of ['"111"', '"555"', '"333"', '"444"', ':111', ':555', ':444']) expect(all).not.toContain(channelUser);
  });

  it('refuses a revoked connector at once and an expired one as soon as it expires', async () => {
    const victim = (await connector('short', 'matrix', 'create', { expiresAt: new Date(Date.now() + 60_000).toISOString() })).json;
    expect((await asBot(victim.secret, '@a:x', 'GET', '/v1/me')).status).toBe(200);
    const revoked = (await connector('to revoke', 'matrix', 'create')).json;
    expect((await asBot(revoked.secret, '@a:x', 'GET', '/v1/me')).status).toBe(200);
    const del = await w.api('DELETE', `/v1/connectors/${revoked.id}`, t.admin);
    expect(del.status).toBe(200);
    expect(del.json.revokedAt).not.toBeNull();
    const after = await asBot(revoked.secret, '@a:x', 'GET', '/v1/me');
    expect(after.status).toBe(401);
    expect((await w.api('DELETE', `/v1/connectors/${revoked.id}`, t.admin)).status).toBe(404);
    offsetMs = 2 * 60_000;
    try {
      expect((await asBot(victim.secret, '@a:x', 'GET', '/v1/me')).status).toBe(401);
    } finally {
      offsetMs = 0;
    }
  });

  it('removes every channel identity of a deleted user, so the bots no longer reach the account', async () => {
    const bob = w.githubUser(9003, 'bob');
    const code = (await w.api('POST', '/v1/link/code', bob)).json.code;
    expect((await asBot(bots.discord, '777', 'POST', '/v1/link/redeem', { body: { code } })).status).toBe(200);
    const code2 = (await w.api('POST', '/v1/link/code', bob)).json.code;
    const tg = await asBot(bots.telegram, '778', 'POST', '/v1/link/redeem', { body: { code: code2 } });
    expect(tg.status, tg.text).toBe(200);
    const uid = tg.json.uid;
    expect((await w.api('DELETE', '/v1/me', bob)).status).toBe(200);
    const left = await w.server.runtime.db.query('SELECT 1 FROM channel_identities WHERE uid = $1', [uid]);
    expect(left.rows).toHaveLength(0);
    expect((await asBot(bots.discord, '777', 'GET', '/v1/me')).status).toBe(403);
    const fresh = await asBot(bots.telegram, '778', 'GET', '/v1/me');
    expect(fresh.json.principal.uid).not.toBe(uid);
  });
});

describe('connector rate limits', () => {
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await startServiceWorld(
      BACKENDS.find((b) => b.name === 'pglite')!,
      { KAIROS_ADMINS: 'github:1', KAIROS_CONNECTOR_RATE_LIMIT_PER_MINUTE: '4', KAIROS_RATE_LIMIT_PER_MINUTE: '3' },
    );
  });
  afterAll(async () => {
    await w?.close();
  });

  it('counts each channel user and the whole connector separately', async () => {
    const secret = (await w.api('POST', '/v1/connectors', w.githubUser(1, 'ops'), { body: { name: 'b', channelType: 'telegram', firstContact: 'create' } }))
      .json.secret;
    const as = (user: string): Promise<number> => w.api('GET', '/v1/me', secret, { headers: { 'x-kairos-channel-user': user } }).then((r) => r.status);
    expect([await as('1'), await as('1'), await as('1')]).toEqual([200, 200, 200]);
    expect(await as('1')).toBe(429); // the channel user's own limit (3)
    expect(await as('2')).toBe(429); // the connector's limit (4) is spent for everyone
  });
});
