/** Builds memories from editor state (plain data in, RememberParams out). */
import { LIMITS } from '../core/memory.js';
import type { RememberParams } from '../protocol/schemas.js';

export interface SelectionCapture {
  text: string;
  uri: string;
  languageId: string;
  /** Zero-based, as VS Code reports it. */
  range: { startLine: number; startCharacter: number; endLine: number; endCharacter: number };
  /** Git remote URL or workspace folder name, when known. */
  repo?: string;
}

/** RememberParams for "Remember Selection": the file, range, language and repo are the source. */
export function rememberSelectionParams(c: SelectionCapture): RememberParams {
  const text = c.text.length > LIMITS.maxTextChars ? c.text.slice(0, LIMITS.maxTextChars) : c.text;
  return {
    text,
    source: {
      kind: 'editor',
      uri: c.uri,
      range: c.range,
      language: c.languageId.slice(0, 64),
      ...(c.repo ? { repo: c.repo.slice(0, 512) } : {}),
      client: 'vscode',
    },
  };
}

/** A git remote without credentials (https://user:token@host/… would otherwise be stored). */
export function cleanRepoUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url; // scp-like git@host:owner/repo has no password part
  }
}

/** Status bar text: mode, account and memory count. */
export function statusText(s: { mode: 'local' | 'remote'; account?: string; count?: number; engine?: string }): string {
  const parts = [s.mode === 'local' ? 'local' : s.account ? s.account : 'signed out'];
  if (s.count !== undefined) parts.push(String(s.count));
  if (s.engine === 'starting') parts.push('starting…');
  if (s.engine === 'failed') parts.push('engine stopped');
  return `$(history) Kairos: ${parts.join(' · ')}`;
}

/** Shared with the webview's capture form (src/protocol/replace.ts). */
export { replaceSimilar } from '../protocol/replace.js';
