import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, listApiKeys, revokeApiKey, verifyApiKey } from '../../src/identity/apiKeys.js';
import { masterKeyFrom, open, seal } from '../../src/identity/byok.js';
import { getEmbeddingSettings, loadEmbeddingSecret, putEmbeddingSettings, rotateMasterKey } from '../../src/identity/embeddingSettings.js';
import { consumeLinkCode, createLinkCode } from '../../src/identity/linkCodes.js';
import { IDENTITY_TABLES, migrate, MIGRATIONS } from '../../src/identity/migrations.js';
import { openIdentityDb } from '../../src/identity/open.js';
import type { SqlDb } from '../../src/identity/sql.js';
import { resolveChannelUser } from '../../src/identity/users.js';
import { BACKENDS, testRing } from './harness.js';

describe.each(BACKENDS)('identity store on $name', (backend) => {
  let db: SqlDb;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const created = await backend.create();
    drop = created.drop;
    db = await openIdentityDb(created.config);
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('records every migration once and applies nothing when run again', async () => {
    expect(await migrate(db)).toEqual([]);
    const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    for (const t of IDENTITY_TABLES) {
      const r = await db.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${t}`);
      expect(typeof r.rows[0]!.n).toBe('number');
    }
  });

  it('creates exactly one user when the same channel signs in concurrently', async () => {
    const channel = { type: 'github', uid: `race-${randomBytes(4).toString('hex')}` };
    const results = await Promise.all(Array.from({ length: 8 }, () => resolveChannelUser(db, channel)));
    expect(new Set(results.map((r) => r.uid)).size).toBe(1);
    const { rows } = await db.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM channel_identities WHERE channel_uid = $1', [channel.uid]);
    expect(rows[0]!.n).toBe(1);
    const orphans = await db.query<{ n: number }>(
      'SELECT COUNT(*)::int AS n FROM users u WHERE NOT EXISTS (SELECT 1 FROM channel_identities c WHERE c.uid = u.uid)',
    );
    expect(orphans.rows[0]!.n).toBe(0);
  });

  it('stores API keys as hashes and stops accepting revoked and expired ones', async () => {
    const { uid } = await resolveChannelUser(db, { type: 'github', uid: 'keys-user' });
    const now = new Date();
    const { key, info } = await createApiKey(db, uid, { name: 'ci', scopes: ['read'] });
    expect(key).toMatch(/^kairos_sk_[A-Za-z0-9_-]{43}$/);
    expect(info.prefix).toBe(key.slice(0, 18));
    const stored = await db.query<{ hash: string }>('SELECT hash FROM api_keys WHERE id = $1', [info.id]);
    expect(stored.rows[0]!.hash).not.toContain(key.slice(10));
    expect(await verifyApiKey(db, key, now)).toMatchObject({ uid, scopes: ['read'] });
    expect((await listApiKeys(db, uid))[0]!.lastUsedAt).not.toBeNull();
    expect(await revokeApiKey(db, uid, info.id, now)).toBe(true);
    expect(await verifyApiKey(db, key, now)).toBeUndefined();
    const short = await createApiKey(db, uid, { name: 'short', scopes: ['read'], expiresAt: new Date(now.getTime() + 1000) });
    expect(await verifyApiKey(db, short.key, now)).toBeDefined();
    expect(await verifyApiKey(db, short.key, new Date(now.getTime() + 2000))).toBeUndefined();
  });

  it('accepts a link code once and never after it expires', async () => {
    const { uid } = await resolveChannelUser(db, { type: 'github', uid: 'link-user' });
    const now = new Date();
    const a = await createLinkCode(db, uid, now);
    expect(await consumeLinkCode(db, a.code.toLowerCase(), now)).toBe(uid);
    expect(await consumeLinkCode(db, a.code, now)).toBeUndefined();
    const b = await createLinkCode(db, uid, now);
    expect(await consumeLinkCode(db, b.code, new Date(now.getTime() + 11 * 60 * 1000))).toBeUndefined();
    const { rows } = await db.query<{ attempts: number }>('SELECT attempts FROM link_codes WHERE uid = $1 ORDER BY created_at', [uid]);
    expect(rows.map((r) => r.attempts)).toEqual([2, 1]);
  });

  it('keeps embedding keys encrypted, shows only the last four characters, and re-encrypts on master key rotation', async () => {
    const { uid } = await resolveChannelUser(db, { type: 'github', uid: 'byok-user' });
    const ring = testRing();
    const secret = 'sk-test-' + randomBytes(16).toString('hex');
    const view = await putEmbeddingSettings(
      db,
      ring,
      { kind: 'user', id: uid },
      { provider: 'openai', apiKey: secret, model: 'text-embedding-3-small' },
      new Date(),
    );
    expect(view.keyLast4).toBe(secret.slice(-4));
    expect(JSON.stringify(view)).not.toContain(secret);
    const raw = await db.query<Record<string, unknown>>('SELECT * FROM embedding_settings WHERE owner_id = $1', [uid]);
    expect(JSON.stringify(raw.rows)).not.toContain(secret.slice(8));
    expect((await loadEmbeddingSecret(db, ring, { kind: 'user', id: uid }))!.settings.apiKey).toBe(secret);

    const next = { current: masterKeyFrom(randomBytes(32).toString('base64'), 'next'), previous: [ring.current] };
    expect(await rotateMasterKey(db, next)).toBeGreaterThanOrEqual(1);
    expect(await rotateMasterKey(db, next)).toBe(0);
    const onlyNew = { current: next.current, previous: [] };
    expect((await loadEmbeddingSecret(db, onlyNew, { kind: 'user', id: uid }))!.settings.apiKey).toBe(secret);
    expect((await getEmbeddingSettings(db, { kind: 'user', id: uid }))!.provider).toBe('openai');
  });

  it('refuses a ciphertext moved to another owner', () => {
    const ring = testRing();
    const sealed = seal(ring, 'sk-secret-value', 'owner-a');
    expect(open(ring, sealed, 'owner-a')).toBe('sk-secret-value');
    expect(() => open(ring, sealed, 'owner-b')).toThrow(/integrity/);
  });
});
