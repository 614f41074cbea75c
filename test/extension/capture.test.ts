import { describe, expect, it } from 'vitest';
import { cleanRepoUrl, rememberSelectionParams, statusText } from '../../src/extension/capture.js';
import { affectsConnection, readSettings } from '../../src/extension/config.js';
import { RememberParamsSchema } from '../../src/protocol/schemas.js';

describe('editor capture', () => {
  it('turns a selection into an editor memory whose source names the file, range, language and repo', () => {
    const params = rememberSelectionParams({
      text: 'const retries = 3;',
      uri: 'file:///work/app/src/net.ts',
      languageId: 'typescript',
      range: { startLine: 9, startCharacter: 2, endLine: 9, endCharacter: 20 },
      repo: 'https://github.com/acme/app.git',
    });
    expect(params).toEqual({
      text: 'const retries = 3;',
      source: {
        kind: 'editor',
        uri: 'file:///work/app/src/net.ts',
        range: { startLine: 9, startCharacter: 2, endLine: 9, endCharacter: 20 },
        language: 'typescript',
        repo: 'https://github.com/acme/app.git',
        client: 'vscode',
      },
    });
    expect(RememberParamsSchema.safeParse(params).success).toBe(true);
  });

  it('cuts an oversized selection to the largest memory the engine accepts', () => {
    const params = rememberSelectionParams({ text: 'x'.repeat(20_000), uri: 'file:///a', languageId: 'plaintext', range: { startLine: 0, startCharacter: 0, endLine: 0, endCharacter: 1 } });
    expect(RememberParamsSchema.safeParse(params).success).toBe(true);
  });

  it('strips credentials from a git remote before it is stored as the repo', () => {
    expect(cleanRepoUrl('https://user:ghp_token@github.com/acme/app.git')).toBe('https://github.com/acme/app.git');
    expect(cleanRepoUrl('git@github.com:acme/app.git')).toBe('git@github.com:acme/app.git');
  });

  it('shows mode, account and count in the status bar', () => {
    expect(statusText({ mode: 'local', count: 12 })).toBe('$(history) Kairos: local · 12');
    expect(statusText({ mode: 'remote', account: 'octocat' })).toBe('$(history) Kairos: octocat');
    expect(statusText({ mode: 'remote' })).toBe('$(history) Kairos: signed out');
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
