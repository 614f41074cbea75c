/**
 * Binary COPY of vectors. Parsing 512 floats from text costs more than the rest of an insert in
 * PGlite's WASM (measured: 1.2k rows/s as text literals, 12k rows/s as binary COPY on a bare
 * table), so bulk loads stage vectors in binary and join the other columns from JSON.
 */

const SIGNATURE = [0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00];

/**
 * pgvector's binary form of one vector at `o` in `view`: int16 dimension, int16 unused, then
 * big-endian float4 values. Returns the offset past it.
 */
function writeVector(view: DataView, o: number, v: Float32Array, dimension: number, label: string): number {
  if (v.length !== dimension) throw new RangeError(`${label} has ${v.length} dimensions, expected ${dimension}`);
  view.setInt16(o, dimension);
  view.setInt16(o + 2, 0);
  o += 4;
  for (let i = 0; i < dimension; i++, o += 4) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw new RangeError(`${label} has a non-finite value`);
    view.setFloat32(o, x);
  }
  return o;
}

/**
 * One vector in pgvector's binary form, for a query parameter: PGlite sends a Uint8Array
 * parameter in binary format (see driver.ts), which skips the text parse.
 */
export function vectorBinary(v: Float32Array, dimension: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(4 + 4 * dimension);
  writeVector(new DataView(out.buffer), 0, v, dimension, 'the vector');
  return out;
}

/** PostgreSQL binary COPY data for rows `(ord int4, v vector)`, ord counting from 0. */
export function vectorCopyData(vectors: readonly Float32Array[], dimension: number): Uint8Array<ArrayBuffer> {
  const rowBytes = 2 + (4 + 4) + (4 + 4 + 4 * dimension);
  const out = new Uint8Array(SIGNATURE.length + 8 + rowBytes * vectors.length + 2);
  const view = new DataView(out.buffer);
  out.set(SIGNATURE, 0);
  let o = SIGNATURE.length + 8; // flags int32 = 0, header extension length int32 = 0
  vectors.forEach((v, ord) => {
    view.setInt16(o, 2);
    view.setInt32(o + 2, 4);
    view.setInt32(o + 6, ord);
    view.setInt32(o + 10, 4 + 4 * dimension);
    o = writeVector(view, o + 14, v, dimension, `vector ${ord}`);
  });
  view.setInt16(o, -1); // file trailer
  return out;
}
