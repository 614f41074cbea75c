/**
 * Binary COPY of vectors. Parsing 512 floats from text costs more than the rest of an insert in
 * PGlite's WASM (measured: 1.2k rows/s as text literals, 12k rows/s as binary COPY on a bare
 * table), so bulk loads stage vectors in binary and join the other columns from JSON.
 */

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];

/**
 * PostgreSQL binary COPY data for rows `(ord int4, v vector)`, ord counting from 0. pgvector's
 * binary form is int16 dimension, int16 unused, then big-endian float4 values.
 */
export function vectorCopyData(vectors: readonly Float32Array[], dimension: number): Uint8Array<ArrayBuffer> {
  const rowBytes = 2 + (4 + 4) + (4 + 4 + 4 * dimension);
  const out = new Uint8Array(SIGNATURE.length + 8 + rowBytes * vectors.length + 2);
  const view = new DataView(out.buffer);
  out.set(SIGNATURE, 0);
  let o = SIGNATURE.length + 8; // flags int32 = 0, header extension length int32 = 0
  vectors.forEach((v, ord) => {
    if (v.length !== dimension) throw new RangeError(`vector ${ord} has ${v.length} dimensions, expected ${dimension}`);
    view.setInt16(o, 2);
    view.setInt32(o + 2, 4);
    view.setInt32(o + 6, ord);
    view.setInt32(o + 10, 4 + 4 * dimension);
    view.setInt16(o + 14, dimension);
    view.setInt16(o + 16, 0);
    o += 18;
    for (let i = 0; i < dimension; i++, o += 4) {
      const x = v[i]!;
      if (!Number.isFinite(x)) throw new RangeError(`vector ${ord} has a non-finite value`);
      view.setFloat32(o, x);
    }
  });
  view.setInt16(o, -1); // file trailer
  return out;
}
