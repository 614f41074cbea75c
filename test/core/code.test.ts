import { describe, expect, it } from 'vitest';
import type { MemorySource } from '../../src/core/memory.js';
import {
  applyCheck,
  checkAnchor,
  contextWeight,
  fingerprintLines,
  makeAnchor,
  normaliseCodeSource,
  normaliseScopePath,
  pathKeys,
  scopeKeys,
  verifyAnchor,
} from '../../src/core/code.js';

const FILE = [
  'import x from "y";',
  '',
  'export function auth(req) {',
  '  const token = req.headers.authorization;',
  '  return verify(token);',
  '}',
  '',
  'export const other = 1;',
];
const anchor = makeAnchor({ repo: 'git@github.com:Org/App.git', path: 'src/auth.ts', startLine: 3, endLine: 6, commit: 'abc123', lines: FILE.slice(2, 6) });

describe('scope paths and keys', () => {
  it('normalises repo-relative paths and refuses what would not match anything predictable', () => {
    expect(normaliseScopePath('./src\\server\\auth.ts')).toBe('src/server/auth.ts');
    expect(normaliseScopePath('src//server/')).toBe('src/server/');
    for (const bad of ['', '/etc/passwd', 'C:/x', '../x', 'src/../../x', 'src/*/auth.ts', 'src/{a,b}.ts', 'a'.repeat(600)]) {
      expect(() => normaliseScopePath(bad), bad).toThrow(/Scope path/);
    }
  });

  it('a file matches its own path, every directory above it and the extension globs that cover it', () => {
    const file = 'src/server/auth.ts';
    const keys = new Set(pathKeys(file));
    const matches = (p: string): boolean => scopeKeys([normaliseScopePath(p)]).some((k) => keys.has(k));
    for (const p of ['src/server/auth.ts', 'src/server/', 'src/server/**', 'src/**', '**', '**/*.ts', 'src/**/*.ts', 'src/server/*.ts'])
      expect(matches(p), p).toBe(true);
    for (const p of ['src/server/auth.js', 'src/client/', 'lib/**', '**/*.sql', 'src/*.ts', 'src/server/auth.ts.bak', 'src/serv/'])
      expect(matches(p), p).toBe(false);
  });
});

describe('anchors', () => {
  it('fingerprints the normalised lines: indentation and blank lines do not count, content does', () => {
    expect(fingerprintLines(['a  b', '', '  c'])).toBe(fingerprintLines(['a b', 'c']));
    expect(fingerprintLines(['a b', 'c'])).not.toBe(fingerprintLines(['a b', 'd']));
    expect(anchor.repo).toBe('github.com/org/app');
    expect(anchor.fingerprint).toBe(fingerprintLines(FILE.slice(2, 6)));
  });

  it('is fresh when the lines are where they were, even re-indented', () => {
    expect(checkAnchor(anchor, FILE.join('\n'))).toEqual({ state: 'fresh' });
    expect(checkAnchor(anchor, FILE.map((l) => l.replace(/^ {2}/, '    ')).join('\r\n'))).toEqual({ state: 'fresh' });
  });

  it('follows lines that moved within the file or to a renamed file, choosing the nearest copy', () => {
    const moved = ['// header', '// more', ...FILE];
    expect(checkAnchor(anchor, moved.join('\n'))).toEqual({ state: 'moved', path: 'src/auth.ts', startLine: 5, endLine: 8 });
    const twice = [...FILE.slice(2, 6), '', '', ...FILE];
    // Copies at lines 1 and 9; the old place was line 3, so line 1 is nearer.
    expect(checkAnchor(anchor, twice.join('\n'))).toMatchObject({ state: 'moved', startLine: 1, endLine: 4 });
    expect(checkAnchor(anchor, FILE.join('\n'), 'src/security/auth.ts')).toEqual({ state: 'moved', path: 'src/security/auth.ts', startLine: 3, endLine: 6 });
  });

  it('is stale when a line changed or the file is gone', () => {
    const changed = FILE.map((l) => l.replace('verify(token)', 'verifyJwt(token)'));
    expect(checkAnchor(anchor, changed.join('\n'))).toEqual({ state: 'stale', reason: 'changed' });
    expect(checkAnchor(anchor, FILE.slice(0, 4).join('\n'))).toEqual({ state: 'stale', reason: 'changed' });
    expect(checkAnchor(anchor, null)).toEqual({ state: 'stale', reason: 'deleted' });
  });

  it('records status transitions: stale keeps its first time, a move is remembered, "still true" clears it', () => {
    const stale = applyCheck(anchor, { state: 'stale', reason: 'changed' }, '2026-01-02T00:00:00Z', 'c2');
    expect(stale.status).toEqual({ state: 'stale', reason: 'changed', checkedAt: '2026-01-02T00:00:00Z', staleSince: '2026-01-02T00:00:00Z', commit: 'c2' });
    const still = applyCheck(stale, { state: 'stale', reason: 'deleted' }, '2026-01-03T00:00:00Z');
    expect(still.status).toMatchObject({ reason: 'deleted', staleSince: '2026-01-02T00:00:00Z' });
    const verified = verifyAnchor(still, '2026-01-04T00:00:00Z', 'c4');
    expect(verified.status).toEqual({
      state: 'fresh',
      checkedAt: '2026-01-04T00:00:00Z',
      verifiedAt: '2026-01-04T00:00:00Z',
      commit: 'c4',
      verifiedCommit: 'c4',
    });
    const moved = applyCheck(anchor, { state: 'moved', path: 'src/a.ts', startLine: 10, endLine: 13 }, '2026-01-05T00:00:00Z');
    expect(moved).toMatchObject({ path: 'src/a.ts', startLine: 10, endLine: 13, status: { state: 'fresh', moved: { fromPath: 'src/auth.ts', fromLine: 3 } } });
  });

  it('refuses anchors that could not be checked', () => {
    expect(() => makeAnchor({ path: 'src/', startLine: 1, endLine: 1, lines: ['x'] })).toThrow(/must name a file/);
    expect(() => makeAnchor({ path: 'a.ts', startLine: 5, endLine: 2, lines: ['x'] })).toThrow(/startLine/);
    expect(() => makeAnchor({ path: 'a.ts', startLine: 1, endLine: 1, lines: ['   ', ''] })).toThrow(/non-blank/);
    expect(() => makeAnchor({ path: 'a.ts', startLine: 1, endLine: 300, lines: Array(300).fill('x') })).toThrow(/1 to 200/);
  });
});

describe('source normalisation and context weight', () => {
  it('keys the scope from paths and the anchor, takes the repo from the anchor, and never trusts a given fingerprint', () => {
    const s = normaliseCodeSource({ kind: 'editor' as const, scope: { paths: ['src/server/'] }, anchor: { ...anchor, fingerprint: 'forged' } });
    expect(s.scope).toEqual({ repo: 'github.com/org/app', paths: ['src/server/'], keys: ['d:src/server/', 'f:src/auth.ts'] });
    expect(s.anchor!.fingerprint).toBe(anchor.fingerprint);
    expect(normaliseCodeSource({ kind: 'cli' as const, scope: {} })).toEqual({ kind: 'cli' });
  });

  it('ranks the context repo and path matches up, other repos and stale anchors down', () => {
    const wanted = new Set(pathKeys('src/auth.ts'));
    const ctx = { repo: 'github.com/org/app', paths: ['src/auth.ts'] };
    const scoped = normaliseCodeSource<MemorySource>({ kind: 'editor', anchor });
    expect(contextWeight(scoped.scope, scoped.anchor, ctx, wanted)).toBeCloseTo(1.3);
    expect(contextWeight(undefined, undefined, ctx, wanted)).toBe(1);
    expect(contextWeight({ repo: 'github.com/org/other', keys: ['f:src/auth.ts'] }, undefined, ctx, wanted)).toBeCloseTo(0.6);
    const stale = applyCheck(scoped.anchor!, { state: 'stale', reason: 'changed' }, 'now');
    expect(contextWeight(scoped.scope, stale, ctx, wanted)).toBeCloseTo(1.3 * 0.7);
    expect(contextWeight(scoped.scope, stale, undefined, new Set())).toBeCloseTo(0.7);
  });
});
