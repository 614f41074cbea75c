import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferPoolMb, folderBytes, MAX_POOL_MB, MIN_POOL_MB } from '../../src/stores/embedded/bufferPool.js';

const MB = 2 ** 20;

describe("the embedded store's buffer pool", () => {
  it('is small for a small store, holds a larger one with a quarter to spare, in 16 MB steps, within bounds', () => {
    expect(bufferPoolMb(0)).toBe(MIN_POOL_MB);
    expect(bufferPoolMb(8 * MB)).toBe(16);
    expect(bufferPoolMb(100 * MB)).toBe(128);
    expect(bufferPoolMb(196 * MB)).toBe(256);
    expect(bufferPoolMb(10_000 * MB)).toBe(MAX_POOL_MB);
  });

  it('measures the files under the data folder, nested ones included, and an absent folder as empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kairos-pool-'));
    mkdirSync(join(dir, 'base', '5'), { recursive: true });
    writeFileSync(join(dir, 'base', 'a'), Buffer.alloc(1000));
    writeFileSync(join(dir, 'base', '5', 'b'), Buffer.alloc(24));
    expect(folderBytes(join(dir, 'base'))).toBe(1024);
    expect(folderBytes(join(dir, 'absent'))).toBe(0);
  });
});
