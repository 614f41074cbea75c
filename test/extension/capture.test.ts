import { describe, expect, it } from 'vitest';
import { rememberSelectionParams, selectionAnchor, statusLabel, statusText } from '../../src/extension/capture.js';
import { affectsConnection, readSettings } from '../../src/extension/config.js';
import { RememberParamsSchema } from '../../src/protocol/schemas.js';

describe('editor capture', () => {
  it('turns a selection outside any checkout into an editor memory whose source names the file, range and language', () => {
    const params = rememberSelectionParams({
      text: 'const retries = 3;',
      uri: 'untitled:Untitled-1',
      languageId: 'typescript',
      range: { startLine: 9, startCharacter: 2, endLine: 9, endCharacter: 20 },
    });
    expect(params).toEqual({
      text: 'const retries = 3;',
      source: {
        kind: 'editor',
        uri: 'untitled:Untitled-1',
        range: { startLine: 9, startCharacter: 2, endLine: 9, endCharacter: 20 },
        language: 'typescript',
        client: 'vscode',
        actor: 'user',
      },
    });
    expect(RememberParamsSchema.safeParse(params).success).toBe(true);
  });

  it('in a checkout, records repo, branch and commit, scopes to the repo and anchors the selected lines (1-based)', () => {
    const doc = ['import x from "y";', '', 'export const RETRIES = 3;', 'export const BACKOFF_MS = 250;', ''];
    const params = rememberSelectionParams(
      {
        text: 'RETRIES = 3;\nexport const BACKOFF_MS = 250;',
        uri: 'file:///work/app/src/net.ts',
        languageId: 'typescript',
        range: { startLine: 2, startCharacter: 13, endLine: 3, endCharacter: 30 },
        code: { repo: 'github.com/acme/app', path: 'src/net.ts', branch: 'main', commit: 'a'.repeat(40) },
        docLines: doc,
      },
      '0.1.0',
    );
    expect(params.source).toMatchObject({
      repo: 'github.com/acme/app',
      branch: 'main',
      commit: 'a'.repeat(40),
      clientVersion: '0.1.0',
      actor: 'user',
      scope: { repo: 'github.com/acme/app' },
      anchor: { repo: 'github.com/acme/app', path: 'src/net.ts', startLine: 3, endLine: 4, commit: 'a'.repeat(40), lines: [doc[2], doc[3]] },
    });
    expect(RememberParamsSchema.safeParse(params).success).toBe(true);
  });

  it('anchors whole lines: a selection ending at column 0 leaves that line out; blank or oversized selections stay unanchored', () => {
    const doc = ['a();', 'b();', 'c();', '', '   '];
    expect(selectionAnchor(doc, { startLine: 0, endLine: 2, endCharacter: 0 })).toEqual({ startLine: 1, endLine: 2, lines: ['a();', 'b();'] });
    expect(selectionAnchor(doc, { startLine: 1, endLine: 1, endCharacter: 0 })).toEqual({ startLine: 2, endLine: 2, lines: ['b();'] });
    expect(selectionAnchor(doc, { startLine: 3, endLine: 4, endCharacter: 3 })).toBeUndefined();
    expect(
      selectionAnchor(
        Array.from({ length: 300 }, (_, i) => `l${i}();`),
        { startLine: 0, endLine: 250, endCharacter: 1 },
      ),
    ).toBeUndefined();
  });

  it('cuts an oversized selection to the largest memory the engine accepts', () => {
    const params = rememberSelectionParams({
      text: 'x'.repeat(20_000),
      uri: 'file:///a',
      languageId: 'plaintext',
      range: { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 1 },
    });
    expect(RememberParamsSchema.safeParse(params).success).toBe(true);
  });

  it('shows mode, account and count in the status bar', () => {
    expect(statusText({ mode: 'local', count: 12 })).toBe('$(history) Kairos: local · 12');
    expect(statusText({ mode: 'remote', account: 'octocat' })).toBe('$(history) Kairos: octocat');
    expect(statusText({ mode: 'remote' })).toBe('$(history) Kairos: signed out');
  });

  it('gives the status item an accessible name in words, without the icon name', () => {
    expect(statusLabel({ mode: 'local', count: 12 })).toBe('Kairos: local mode, 12 memories');
    expect(statusLabel({ mode: 'local', count: 1, engine: 'starting' })).toBe('Kairos: local mode, 1 memory, engine starting');
    expect(statusLabel({ mode: 'remote', account: 'octocat' })).toBe('Kairos: signed in as octocat');
    expect(statusLabel({ mode: 'remote', engine: 'failed' })).toBe('Kairos: signed out, engine stopped');
  });
});

describe('settings snapshot', () => {
  it('falls back to safe defaults for missing or malformed values', () => {
    expect(readSettings(() => undefined)).toEqual({ mode: 'local', serverUrl: '', embedding: { provider: 'local' }, searchLimit: 20 });
    const s = readSettings((k) => ({ mode: 'remote', serverUrl: 'https://k.example.com///', 'embedding.provider': 'nope', 'search.limit': 500 })[k]);
    expect(s).toMatchObject({ mode: 'remote', serverUrl: 'https://k.example.com', embedding: { provider: 'local' }, searchLimit: 20 });
  });

  it('treats mode, server URL and embedding changes as connection changes', () => {
    expect(affectsConnection((k) => k === 'kairos.embedding')).toBe(true);
    expect(affectsConnection((k) => k === 'kairos.search.limit')).toBe(false);
  });
});
