import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDriver, vectorParam } from '../../src/stores/embedded/driver.js';
import { vectorLiteral } from '../../src/stores/embedded/sql.js';

describe("the embedded store's PGlite driver settings", () => {
  let plain: PGlite;
  let tuned: PGlite;
  beforeAll(async () => {
    [plain, tuned] = await Promise.all([PGlite.create({ extensions: { vector } }), PGlite.create({ extensions: { vector } })]);
    for (const db of [plain, tuned]) await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
    await prepareDriver(tuned);
  });
  afterAll(async () => {
    await Promise.all([plain.close(), tuned.close()]);
  });

  it('sends a vector as a binary parameter that pgvector reads as the exact same floats as its text form', async () => {
    const v = Float32Array.from({ length: 512 }, (_, i) => Math.sin(i * 0.37) / (1 + i) + (i === 7 ? 1e-30 : 0));
    const viaBinary = await tuned.query<{ t: string }>('SELECT $1::vector(512)::text AS t', [vectorParam(v, 512)]);
    const viaText = await plain.query<{ t: string }>('SELECT $1::vector(512)::text AS t', [vectorLiteral(v, 512)]);
    expect(viaBinary.rows[0]!.t).toBe(viaText.rows[0]!.t);
    // A halfvec column takes the same binary parameter through a cast.
    const half = await tuned.query<{ n: number }>('SELECT vector_dims($1::vector(512)::halfvec(512)) AS n', [vectorParam(v, 512)]);
    expect(half.rows[0]!.n).toBe(512);
    // Other parameters of the tuned database still go as text.
    const text = await tuned.query<{ s: string }>(`SELECT $1::text || '!' AS s`, ['ok']);
    expect(text.rows[0]!.s).toBe('ok!');
  });

  it('keeps a small result-parser map that parses every type the store reads as the default map does', async () => {
    // PGlite copies this map on every query; the default holds an entry per array type in the database.
    expect(Object.keys(plain.parsers).length).toBeGreaterThan(200);
    expect(Object.keys(tuned.parsers).length).toBeLessThan(60);
    const sql = `SELECT ARRAY['a', 'b c']::text[] AS tags, ARRAY[1, 2]::int4[] AS tfs, '{"kind":"api","n":[1]}'::jsonb AS source,
      12345678901234::bigint AS ms, 2::int AS version, 0.25::float8 AS dist, true AS ok, NULL::text AS missing,
      '2024-05-01T00:00:00Z'::timestamptz AS at, ARRAY[true]::bool[] AS flags, ARRAY['{"a":1}'::jsonb] AS docs`;
    const [a, b] = await Promise.all([plain.query(sql), tuned.query(sql)]);
    expect(b.rows).toEqual(a.rows);
    expect(b.rows[0]).toMatchObject({ tags: ['a', 'b c'], tfs: [1, 2], source: { kind: 'api', n: [1] }, version: 2, dist: 0.25, ok: true });
  });
});
