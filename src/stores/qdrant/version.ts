/**
 * The Qdrant server versions this adapter supports, and the features that depend on a newer one.
 * 1.17 is the floor: collection `metadata` (1.16; older servers drop it silently, so a space
 * would never be found), upsert `update_filter` (1.16) and `update_mode: insert_only` (1.17),
 * which make concurrent writes safe. 1.19 adds `params.idf` (IDF over a corpus filter), used
 * in payload-partition mode so each space's keyword ranking only counts its own memories.
 */
export type Version = readonly [number, number, number];

export const MIN_QDRANT_VERSION: Version = [1, 17, 0];
export const CORPUS_IDF_VERSION: Version = [1, 19, 0];

/** "1.17.2", "v1.19.0", "1.18.0-dev" → [major, minor, patch]; null when it is not a version. */
export function parseVersion(raw: unknown): Version | null {
  const m = typeof raw === 'string' ? /^v?(\d+)\.(\d+)\.(\d+)/.exec(raw.trim()) : null;
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null;
}

export function atLeast(v: Version, floor: Version): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== floor[i]) return v[i]! > floor[i]!;
  return true;
}

export function formatVersion(v: Version): string {
  return v.join('.');
}
