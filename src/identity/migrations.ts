/**
 * Versioned schema migrations, numbered and kept in code. `migrate` applies the missing ones in
 * order, each in its own transaction, under an advisory lock so that several instances starting
 * together on one PostgreSQL do not race.
 */
import type { SqlDb } from './sql.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'identity',
    sql: `
CREATE TABLE users (
  uid text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE channel_identities (
  channel_type text NOT NULL,
  channel_uid text NOT NULL,
  uid text NOT NULL REFERENCES users(uid) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz,
  UNIQUE (channel_type, channel_uid)
);
CREATE INDEX channel_identities_uid ON channel_identities(uid);
CREATE TABLE link_codes (
  hash text PRIMARY KEY,
  uid text NOT NULL REFERENCES users(uid) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  used_at timestamptz
);
CREATE INDEX link_codes_uid ON link_codes(uid);
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  uid text NOT NULL REFERENCES users(uid) ON DELETE CASCADE,
  name text NOT NULL,
  prefix text NOT NULL,
  hash text NOT NULL UNIQUE,
  scopes text[] NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz,
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX api_keys_uid ON api_keys(uid);
CREATE TABLE orgs (
  oid text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE memberships (
  oid text NOT NULL REFERENCES orgs(oid) ON DELETE CASCADE,
  uid text NOT NULL REFERENCES users(uid) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'writer', 'reader')),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (oid, uid)
);
CREATE INDEX memberships_uid ON memberships(uid);
CREATE TABLE org_invites (
  hash text PRIMARY KEY,
  oid text NOT NULL REFERENCES orgs(oid) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('owner', 'writer', 'reader')),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE TABLE embedding_settings (
  owner_kind text NOT NULL CHECK (owner_kind IN ('user', 'org')),
  owner_id text NOT NULL,
  provider text NOT NULL,
  model text,
  endpoint text,
  deployment text,
  key_id text NOT NULL,
  key_ciphertext text NOT NULL,
  key_last4 text NOT NULL,
  verified_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (owner_kind, owner_id)
);
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  event text NOT NULL,
  actor_uid text,
  target text,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_actor ON audit_log(actor_uid);
`,
  },
  {
    version: 2,
    name: 'web sign-in and oauth',
    sql: `
ALTER TABLE channel_identities ADD COLUMN display_name text;
CREATE TABLE web_sessions (
  hash text PRIMARY KEY,
  uid text NOT NULL REFERENCES users(uid) ON DELETE CASCADE,
  display_name text,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_seen_at timestamptz
);
CREATE INDEX web_sessions_uid ON web_sessions(uid);
CREATE TABLE login_states (
  hash text PRIMARY KEY,
  browser_hash text NOT NULL,
  provider text NOT NULL,
  nonce text NOT NULL,
  verifier text NOT NULL,
  return_to text NOT NULL,
  link_uid text REFERENCES users(uid) ON DELETE CASCADE,
  expires_at timestamptz NOT NULL
);
CREATE TABLE oauth_clients (
  client_id text PRIMARY KEY,
  secret_hash text,
  client_name text,
  redirect_uris text[] NOT NULL,
  metadata text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE oauth_grants (
  id text PRIMARY KEY,
  uid text NOT NULL REFERENCES users(uid) ON DELETE CASCADE,
  client_id text NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  scopes text[] NOT NULL,
  resource text NOT NULL,
  refresh_hash text UNIQUE,
  refresh_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
CREATE INDEX oauth_grants_uid ON oauth_grants(uid);
CREATE TABLE oauth_refresh_used (
  hash text PRIMARY KEY,
  grant_id text NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE
);
CREATE TABLE oauth_codes (
  hash text PRIMARY KEY,
  client_id text NOT NULL REFERENCES oauth_clients(client_id) ON DELETE CASCADE,
  uid text NOT NULL REFERENCES users(uid) ON DELETE CASCADE,
  redirect_uri text NOT NULL,
  code_challenge text NOT NULL,
  scopes text[] NOT NULL,
  resource text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  grant_id text REFERENCES oauth_grants(id) ON DELETE CASCADE
);
`,
  },
  {
    version: 3,
    name: 'connectors',
    sql: `
CREATE TABLE connectors (
  id text PRIMARY KEY,
  name text NOT NULL,
  channel_type text NOT NULL,
  first_contact text NOT NULL CHECK (first_contact IN ('create', 'refuse')),
  prefix text NOT NULL,
  hash text NOT NULL UNIQUE,
  created_by text REFERENCES users(uid) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz
);
ALTER TABLE audit_log ADD COLUMN connector_id text;
ALTER TABLE audit_log ADD COLUMN channel_type text;
ALTER TABLE web_sessions ADD COLUMN channel_type text;
ALTER TABLE web_sessions ADD COLUMN channel_uid text;
`,
  },
];

/** Every table the identity schema owns (GDPR scans and tests walk them all). */
export const IDENTITY_TABLES = [
  'users',
  'channel_identities',
  'link_codes',
  'api_keys',
  'orgs',
  'memberships',
  'org_invites',
  'embedding_settings',
  'audit_log',
  'web_sessions',
  'login_states',
  'oauth_clients',
  'oauth_grants',
  'oauth_refresh_used',
  'oauth_codes',
  'connectors',
] as const;

const LOCK = "SELECT pg_advisory_xact_lock(hashtext('kairos_schema_migrations'))";

/** Applies missing migrations; returns the versions applied now. */
export async function migrate(db: SqlDb, migrations: readonly Migration[] = MIGRATIONS): Promise<number[]> {
  await db.transaction(async (tx) => {
    // Concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog: lock first.
    await tx.query(LOCK);
    await tx.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
  });
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    const done = await db.transaction(async (tx) => {
      await tx.query(LOCK);
      const { rows } = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
      if (rows.length > 0) return false;
      for (const statement of m.sql
        .split(/;\s*\n/)
        .map((s) => s.trim())
        .filter(Boolean))
        await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
