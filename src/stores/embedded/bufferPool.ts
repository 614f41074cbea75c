/**
 * Sizing PGlite's buffer pool (PostgreSQL's shared_buffers) to the store. PGlite sets the whole
 * pool up in WASM memory at every start (128 MB cost ~0.6 s of a ~1.8 s start on the 2-core dev
 * machine), so a small store starts with a small pool. Pages outside the pool are read through
 * PGlite's file system emulation at every use, so a large store's vectors and HNSW graph, read
 * by every search, need a pool that holds them.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MB = 2 ** 20;
export const MIN_POOL_MB = 16;
export const MAX_POOL_MB = 512;

/** Bytes of the files under a folder; 0 when it does not exist. */
export function folderBytes(dir: string): number {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(path);
    else if (e.isFile()) total += statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}

/** The pool for a store whose relations take `dataBytes`: all of them and a quarter more, in 16 MB steps, within the bounds. */
export function bufferPoolMb(dataBytes: number): number {
  const wanted = Math.ceil((dataBytes * 1.25) / (16 * MB)) * 16;
  return Math.min(MAX_POOL_MB, Math.max(MIN_POOL_MB, wanted));
}
