import { describe, expect, it } from 'vitest';
import {
  anchorLabel,
  highlight,
  matchHint,
  parseTags,
  provenance,
  queryTerms,
  relativeTime,
  snippet,
  sourceLabel,
  staleInfo,
} from '../../webview-ui/format.js';

describe('text formatting', () => {
  it('marks every occurrence of the query words, case-insensitively, and keeps all text', () => {
    const segs = highlight('Use Postgres; postgres is fine', 'postgres');
    expect(segs).toEqual([
      { text: 'Use ', match: false },
      { text: 'Postgres', match: true },
      { text: '; ', match: false },
      { text: 'postgres', match: true },
      { text: ' is fine', match: false },
    ]);
    expect(segs.map((s) => s.text).join('')).toBe('Use Postgres; postgres is fine');
  });

  it('treats regex characters in the query literally and ignores one-letter words', () => {
    expect(queryTerms('a (b+) c++ db')).toEqual(['db']);
    expect(highlight('x.*y', '.*')).toEqual([{ text: 'x.*y', match: false }]);
  });

  it('keeps markup in memory text as plain segments', () => {
    const text = '<img src=x onerror=alert(1)>';
    expect(
      highlight(text, 'img')
        .map((s) => s.text)
        .join(''),
    ).toBe(text);
  });

  it('centres a long snippet near the first match', () => {
    const text = `${'lorem '.repeat(100)}needle ${'ipsum '.repeat(100)}`;
    const s = snippet(text, 'needle', 80);
    expect(s).toContain('needle');
    expect(s.startsWith('…')).toBe(true);
    expect(s.endsWith('…')).toBe(true);
    expect(snippet('short   text', 'x')).toBe('short text');
  });

  it('says how long ago in compact words', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    expect(relativeTime('2026-03-10T11:59:30Z', now)).toBe('just now');
    expect(relativeTime('2026-03-10T11:55:00Z', now)).toBe('5 min ago');
    expect(relativeTime('2026-03-10T09:00:00Z', now)).toBe('3 h ago');
    expect(relativeTime('2026-03-09T09:00:00Z', now)).toBe('yesterday');
    expect(relativeTime('2026-03-06T12:00:00Z', now)).toBe('4 d ago');
    expect(relativeTime('2026-01-03T12:00:00Z', now)).toBe('Jan 3');
    expect(relativeTime('2025-01-03T12:00:00Z', now)).toBe('Jan 3, 2025');
    expect(relativeTime('garbage', now)).toBe('');
  });

  it('labels sources by file name, agent or channel', () => {
    expect(sourceLabel({ kind: 'file', uri: 'file:///repo/src/db%20pool.ts', range: { startLine: 9, endLine: 12 } })).toMatchObject({
      icon: 'file',
      label: 'db pool.ts:10',
    });
    expect(sourceLabel({ kind: 'agent', client: 'claude-code' })).toMatchObject({ icon: 'hubot', label: 'claude-code' });
    expect(sourceLabel({ kind: 'cli' }).label).toBe('CLI');
    expect(sourceLabel({ kind: 'editor', uri: 'C:\\work\\a.py' }).label).toBe('a.py');
  });

  it('parses typed tags into the normalised form the server stores', () => {
    expect(parseTags(' DB, infra  db,,x ')).toEqual(['db', 'infra', 'x']);
    expect(parseTags('')).toEqual([]);
  });

  it('says why a hit matched instead of showing a raw score', () => {
    expect(matchHint(['dense', 'keyword'])).toBe('Matches words and meaning');
    expect(matchHint(['keyword'])).toBe('Matches words');
    expect(matchHint(['dense'])).toBe('Matches meaning');
    expect(matchHint(undefined)).toBeUndefined();
  });
});

describe('code anchors in the views', () => {
  const now = new Date('2026-03-01T12:00:00Z');
  const anchor = { repo: 'github.com/acme/app', path: 'src/retry.ts', startLine: 7, endLine: 9, lines: ['x'] };

  it('labels an anchor by path and line range', () => {
    expect(anchorLabel(anchor)).toBe('src/retry.ts:7–9');
    expect(anchorLabel({ ...anchor, endLine: 7 })).toBe('src/retry.ts:7');
  });

  it('has no stale badge while the code is fresh or there is no anchor', () => {
    expect(staleInfo({ kind: 'editor' }, now)).toBeUndefined();
    expect(staleInfo({ kind: 'editor', anchor: { ...anchor, status: { state: 'fresh', checkedAt: now.toISOString() } } }, now)).toBeUndefined();
  });

  it('says what changed, when and at which commit', () => {
    const status = {
      state: 'stale' as const,
      reason: 'changed' as const,
      checkedAt: '2026-03-01T11:00:00Z',
      staleSince: '2026-03-01T09:00:00Z',
      commit: 'abcdef1234567890',
    };
    expect(staleInfo({ kind: 'editor', anchor: { ...anchor, status } }, now)).toEqual({
      label: 'Stale: code changed',
      title: 'The anchored code (src/retry.ts:7–9) changed 3 h ago (at abcdef1). Check the code before relying on this memory.',
    });
    expect(staleInfo({ kind: 'editor', anchor: { ...anchor, status: { state: 'stale', reason: 'deleted', checkedAt: now.toISOString() } } }, now)).toEqual({
      label: 'Stale: file deleted',
      title: 'The anchored code (src/retry.ts:7–9) was deleted. Check the code before relying on this memory.',
    });
  });

  it('lists the provenance that is known: surface, client and version, actor, repo, branch, short commit', () => {
    expect(
      provenance({
        kind: 'agent',
        client: 'Claude Code',
        clientVersion: '1.2.3',
        actor: 'agent',
        repo: 'github.com/acme/app',
        branch: 'main',
        commit: '0123456789abcdef0123',
      }),
    ).toEqual([
      ['Written from', 'Agent (MCP)'],
      ['Client', 'Claude Code 1.2.3'],
      ['Written by', 'an agent'],
      ['Repository', 'github.com/acme/app'],
      ['Branch', 'main'],
      ['Commit', '0123456789ab'],
    ]);
    expect(provenance({ kind: 'console' })).toEqual([['Written from', 'Web console']]);
    expect(provenance({ kind: 'editor', anchor })).toContainEqual(['Repository', 'github.com/acme/app']);
  });
});
