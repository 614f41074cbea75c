/**
 * BYOK embedding settings per user or org: provider, model, endpoint/deployment, and the API key
 * sealed with the master key. Reads for clients return only provider, model, last four
 * characters and the last-verified time.
 */
import type { KeyedProvider } from '../protocol/embedders.js';
import { open, seal, type MasterKeyRing } from './byok.js';
import { sha256Hex } from './ids.js';
import { iso, type SqlQueryable } from './sql.js';

export type OwnerKind = 'user' | 'org';

export interface EmbeddingSettingsInput {
  provider: KeyedProvider;
  apiKey: string;
  model?: string | undefined;
  endpoint?: string | undefined;
  deployment?: string | undefined;
}

/** What any API may show: never the key. */
export interface EmbeddingSettingsView {
  provider: string;
  model: string | null;
  endpoint: string | null;
  deployment: string | null;
  keyLast4: string;
  verifiedAt: string | null;
  updatedAt: string;
}

interface Row {
  owner_kind: OwnerKind;
  owner_id: string;
  provider: string;
  model: string | null;
  endpoint: string | null;
  deployment: string | null;
  key_id: string;
  key_ciphertext: string;
  key_last4: string;
  verified_at: Date | null;
  updated_at: Date;
}

const aad = (kind: OwnerKind, id: string): string => `kairos-embedding-key:${kind}:${id}`;

function view(r: Row): EmbeddingSettingsView {
  return {
    provider: r.provider,
    model: r.model,
    endpoint: r.endpoint,
    deployment: r.deployment,
    keyLast4: r.key_last4,
    verifiedAt: iso(r.verified_at),
    updatedAt: iso(r.updated_at)!,
  };
}

export async function putEmbeddingSettings(
  db: SqlQueryable,
  ring: MasterKeyRing,
  owner: { kind: OwnerKind; id: string },
  input: EmbeddingSettingsInput,
  verifiedAt: Date | null,
): Promise<EmbeddingSettingsView> {
  const sealed = seal(ring, input.apiKey, aad(owner.kind, owner.id));
  const { rows } = await db.query<Row>(
    `INSERT INTO embedding_settings (owner_kind, owner_id, provider, model, endpoint, deployment, key_id, key_ciphertext, key_last4, verified_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
     ON CONFLICT (owner_kind, owner_id) DO UPDATE SET provider = EXCLUDED.provider, model = EXCLUDED.model, endpoint = EXCLUDED.endpoint,
       deployment = EXCLUDED.deployment, key_id = EXCLUDED.key_id, key_ciphertext = EXCLUDED.key_ciphertext, key_last4 = EXCLUDED.key_last4,
       verified_at = EXCLUDED.verified_at, updated_at = now()
     RETURNING *`,
    [
      owner.kind,
      owner.id,
      input.provider,
      input.model ?? null,
      input.endpoint ?? null,
      input.deployment ?? null,
      sealed.keyId,
      sealed.ciphertext,
      input.apiKey.slice(-4),
      verifiedAt,
    ],
  );
  return view(rows[0]!);
}

export async function getEmbeddingSettings(db: SqlQueryable, owner: { kind: OwnerKind; id: string }): Promise<EmbeddingSettingsView | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM embedding_settings WHERE owner_kind = $1 AND owner_id = $2', [owner.kind, owner.id]);
  return rows[0] ? view(rows[0]) : undefined;
}

export interface Owner {
  kind: OwnerKind;
  id: string;
}

/** A stored settings row, still sealed: `fingerprint` changes whenever the row does; `open` decrypts. */
export interface SealedEmbeddingSettings {
  owner: Owner;
  fingerprint: string;
  open(): EmbeddingSettingsInput;
}

function sealedOf(ring: MasterKeyRing, r: Row): SealedEmbeddingSettings {
  return {
    owner: { kind: r.owner_kind, id: r.owner_id },
    fingerprint: sha256Hex([r.owner_kind, r.owner_id, r.provider, r.model, r.endpoint, r.deployment, r.key_id, r.key_ciphertext].join('\u0000')),
    open: () => ({
      provider: r.provider as EmbeddingSettingsInput['provider'],
      apiKey: open(ring, { keyId: r.key_id, ciphertext: r.key_ciphertext }, aad(r.owner_kind, r.owner_id)),
      ...(r.model ? { model: r.model } : {}),
      ...(r.endpoint ? { endpoint: r.endpoint } : {}),
      ...(r.deployment ? { deployment: r.deployment } : {}),
    }),
  };
}

/** The settings of a user and of some orgs, in one query; owners without settings are absent. */
export async function loadSealedSettings(db: SqlQueryable, ring: MasterKeyRing, uid: string, oids: readonly string[] = []): Promise<SealedEmbeddingSettings[]> {
  const { rows } = await db.query<Row>(
    "SELECT * FROM embedding_settings WHERE (owner_kind = 'user' AND owner_id = $1) OR (owner_kind = 'org' AND owner_id = ANY($2::text[]))",
    [uid, [...oids]],
  );
  return rows.map((r) => sealedOf(ring, r));
}

/** The decrypted settings plus a fingerprint of the row (cache key; changes whenever the row does). */
export async function loadEmbeddingSecret(
  db: SqlQueryable,
  ring: MasterKeyRing,
  owner: Owner,
): Promise<{ fingerprint: string; settings: EmbeddingSettingsInput } | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM embedding_settings WHERE owner_kind = $1 AND owner_id = $2', [owner.kind, owner.id]);
  if (!rows[0]) return undefined;
  const sealed = sealedOf(ring, rows[0]);
  return { fingerprint: sealed.fingerprint, settings: sealed.open() };
}

export async function deleteEmbeddingSettings(db: SqlQueryable, owner: { kind: OwnerKind; id: string }): Promise<boolean> {
  return (await db.query('DELETE FROM embedding_settings WHERE owner_kind = $1 AND owner_id = $2 RETURNING owner_id', [owner.kind, owner.id])).rows.length > 0;
}

/** Re-encrypts every key not sealed with the ring's current master key; returns how many. */
export async function rotateMasterKey(db: SqlQueryable, ring: MasterKeyRing): Promise<number> {
  const { rows } = await db.query<Row>('SELECT * FROM embedding_settings WHERE key_id <> $1', [ring.current.id]);
  for (const r of rows) {
    const plain = open(ring, { keyId: r.key_id, ciphertext: r.key_ciphertext }, aad(r.owner_kind, r.owner_id));
    const sealed = seal(ring, plain, aad(r.owner_kind, r.owner_id));
    await db.query('UPDATE embedding_settings SET key_id = $3, key_ciphertext = $4 WHERE owner_kind = $1 AND owner_id = $2', [
      r.owner_kind,
      r.owner_id,
      sealed.keyId,
      sealed.ciphertext,
    ]);
  }
  return rows.length;
}
