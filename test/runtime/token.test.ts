/** The local bearer token file, on a real temp home. */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateToken, readToken, tokenPath } from '../../src/runtime/token.js';
import { safeEqual } from '../../src/util/safeEqual.js';

const base = mkdtempSync(join(tmpdir(), 'kairos-token-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('local token', () => {
  it('creates a random 32-byte token once (mode 0600) and returns the same one afterwards', () => {
    const home = join(base, 'a');
    expect(readToken(home)).toBeUndefined();
    const token = loadOrCreateToken(home);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(tokenPath(home)).mode & 0o777).toBe(0o600);
    expect(loadOrCreateToken(home)).toBe(token);
    expect(readToken(home)).toBe(token);
    expect(loadOrCreateToken(join(base, 'b'))).not.toBe(token);
  });

  it('refuses a damaged token file instead of using it', () => {
    const home = join(base, 'c');
    loadOrCreateToken(home);
    writeFileSync(tokenPath(home), 'short\n');
    expect(() => loadOrCreateToken(home)).toThrow(/damaged/);
  });

  it('compares tokens in constant time by value', () => {
    expect(safeEqual('same-token-value', 'same-token-value')).toBe(true);
    expect(safeEqual('same-token-value', 'same-token-valuf')).toBe(false);
    expect(safeEqual('short', 'a-much-longer-value')).toBe(false);
  });
});
