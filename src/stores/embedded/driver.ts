/**
 * How the store talks to PGlite, tuned where PGlite's defaults cost a search most of its time:
 *
 * - Vectors travel as binary parameters. pgvector parses a text literal with strtof, which
 *   PGlite's WASM build runs slowly: a 512-d literal costs ~1.2 ms per statement against
 *   ~0.05 ms for the binary form (a 100k store's dense leg went 3.3 → 2.4 ms p50). PGlite sends
 *   a parameter in binary format when its serializer returns a Uint8Array.
 * - PGlite copies its whole map of result parsers into a new object on every query. With the
 *   array type of every type in the database that map has ~316 entries: ~110 µs and ~120 KB of
 *   garbage per query, and on a 100k store the garbage made a young-generation collection
 *   (3–8 ms) land in one search of twenty. The map keeps the built-in parsers and their arrays.
 */
import { types, type PGlite } from '@electric-sql/pglite';
import { vectorBinary } from './copy.js';
import { checkVector } from './sql.js';

export async function prepareDriver(db: PGlite): Promise<void> {
  const res = await db.query<{ oid: number }>(`SELECT 'vector'::regtype::oid::int AS oid`);
  const oid = res.rows[0]?.oid;
  if (oid === undefined) throw new Error('pgvector is not installed in this database');
  // PGlite types a serializer as returning text; a Uint8Array makes its Bind message binary.
  db.serializers[oid] = ((x: unknown) => (x instanceof Uint8Array ? x : String(x))) as (x: unknown) => string;

  // An array parser looks its element's parser up in this map at parse time, so both stay.
  const builtIn = Object.keys(types.parsers).map(Number).filter(Number.isInteger);
  const arrays = await db.query<{ oid: number }>(`SELECT typarray::int AS oid FROM pg_type WHERE oid = ANY($1::oid[]) AND typarray <> 0`, [builtIn]);
  const keep = [...builtIn, ...arrays.rows.map((r) => r.oid)].filter((k) => db.parsers[k]);
  db.parsers = Object.fromEntries(keep.map((k) => [k, db.parsers[k]!]));
}

/** A checked vector as a binary parameter; pair it with `vectorCast` (schema.ts) in the SQL. */
export function vectorParam(vector: Float32Array, dimension: number): Uint8Array {
  checkVector(vector, dimension);
  return vectorBinary(vector, dimension);
}
