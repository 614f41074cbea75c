/**
 * Embedded adapter of the SQL port: PGlite (PostgreSQL compiled to WASM) in its own data folder,
 * separate from the memory store's. One connection, so transactions are serialised by PGlite.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { SqlDb, SqlQueryable } from './sql.js';

/** Opens PGlite in `dataDir`, or in memory when undefined (tests). */
export async function openPgliteDb(dataDir: string | undefined): Promise<SqlDb> {
  if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  return {
    kind: 'pglite',
    query: async <T>(sql: string, params: readonly unknown[] = []) => ({ rows: (await db.query<T>(sql, params as unknown[])).rows }),
    transaction: <T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> =>
      db.transaction(async (t) =>
        fn({ query: async <R>(sql: string, params: readonly unknown[] = []) => ({ rows: (await t.query<R>(sql, params as unknown[])).rows }) }),
      ),
    close: () => db.close(),
  };
}
