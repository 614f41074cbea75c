/**
 * The one SQL port of the identity store. Both adapters (PostgreSQL through `pg`, embedded
 * PGlite) run the same SQL: numbered `$1` parameters, PostgreSQL dialect.
 */
export interface SqlQueryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
}

export interface SqlDb extends SqlQueryable {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlQueryable) => Promise<T>): Promise<T>;
  /** `postgres` or `pglite`, for health output and logs. */
  readonly kind: string;
  close(): Promise<void>;
}

/** A timestamp column as an ISO string (both drivers return Date for timestamptz). */
export function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}
