/** PostgreSQL adapter of the SQL port, through a `pg` connection pool. */
import pg from 'pg';
import type { SqlDb, SqlQueryable } from './sql.js';

export interface PgDbOptions {
  connectionString: string;
  /** Schema to use (search_path); tests use one per run. Must be a plain identifier. */
  schema?: string;
  max?: number;
}

export function openPgDb(opts: PgDbOptions): SqlDb {
  if (opts.schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(opts.schema)) {
    throw new Error(`Invalid schema name "${opts.schema}".`);
  }
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  const query = async <T>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> => {
    const r = await pool.query(sql, params as unknown[]);
    return { rows: r.rows as T[] };
  };
  return {
    kind: 'postgres',
    query,
    async transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const tx: SqlQueryable = {
          query: async <R>(sql: string, params: readonly unknown[] = []) => ({ rows: (await client.query(sql, params as unknown[])).rows as R[] }),
        };
        const out = await fn(tx);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
