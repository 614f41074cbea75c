/** Opens the identity store: PostgreSQL when DATABASE_URL is set, embedded PGlite otherwise; migrated. */
import { join } from 'node:path';
import { migrate } from './migrations.js';
import { openPgDb } from './pgDb.js';
import { openPgliteDb } from './pgliteDb.js';
import type { SqlDb } from './sql.js';

export type IdentityDbConfig = { kind: 'postgres'; url: string; schema?: string } | { kind: 'pglite'; dataDir?: string };

export function identityDbConfig(env: NodeJS.ProcessEnv, home: string): IdentityDbConfig {
  return env.DATABASE_URL ? { kind: 'postgres', url: env.DATABASE_URL } : { kind: 'pglite', dataDir: join(home, 'identity') };
}

export async function openIdentityDb(config: IdentityDbConfig): Promise<SqlDb> {
  const db =
    config.kind === 'postgres'
      ? openPgDb({ connectionString: config.url, ...(config.schema ? { schema: config.schema } : {}) })
      : await openPgliteDb(config.dataDir);
  try {
    await migrate(db);
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
  return db;
}
