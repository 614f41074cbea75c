/** Builds memories from editor state (plain data in, RememberParams out). */
import { CODE_LIMITS, normaliseCodeLines } from '../core/code.js';
import { LIMITS } from '../core/memory.js';
import type { RememberParams } from '../protocol/schemas.js';

/** Where a file sits in its checkout, and what the checkout had out when it was read. */
export interface CheckoutFile {
  /** Portable repo id (core/repoId.ts). */
  repo: string;
  /** Repo-relative, forward slashes. */
  path: string;
  branch?: string;
  commit?: string;
}

/**
 * The anchored lines of a selection (0-based VS Code positions in, 1-based lines out). A
 * selection that ends at the start of a line does not take that line. Undefined when the
 * selection has no code or more lines than an anchor holds (the memory is then kept unanchored).
 */
export function selectionAnchor(
  docLines: readonly string[],
  range: { startLine: number; endLine: number; endCharacter: number },
): { startLine: number; endLine: number; lines: string[] } | undefined {
  const last = range.endCharacter === 0 && range.endLine > range.startLine ? range.endLine - 1 : range.endLine;
  const lines = docLines.slice(range.startLine, last + 1);
  if (lines.length === 0 || lines.length > CODE_LIMITS.maxAnchorLines || normaliseCodeLines(lines).length === 0) return undefined;
  return { startLine: range.startLine + 1, endLine: last + 1, lines: lines.map((l) => l.slice(0, CODE_LIMITS.maxAnchorLineChars)) };
}

export interface SelectionCapture {
  text: string;
  uri: string;
  languageId: string;
  /** Zero-based, as VS Code reports it. */
  range: { startLine: number; startCharacter: number; endLine: number; endCharacter: number };
  /** The file's checkout, when it is in a workspace folder or git repository. */
  code?: CheckoutFile;
  /** The whole document's lines, to anchor the selection (only with `code`). */
  docLines?: readonly string[];
}

/**
 * RememberParams for "Remember Selection": the file, range and language are the source; in a
 * checkout also the repo, branch and commit (provenance), the repo scope and an anchor on the
 * selected lines, whose fingerprint the engine computes.
 */
export function rememberSelectionParams(c: SelectionCapture, clientVersion?: string): RememberParams {
  const text = c.text.length > LIMITS.maxTextChars ? c.text.slice(0, LIMITS.maxTextChars) : c.text;
  const code = c.code;
  const lines = code && c.docLines ? selectionAnchor(c.docLines, c.range) : undefined;
  return {
    text,
    source: {
      kind: 'editor',
      uri: c.uri,
      range: c.range,
      language: c.languageId.slice(0, 64),
      client: 'vscode',
      ...(clientVersion ? { clientVersion: clientVersion.slice(0, 64) } : {}),
      actor: 'user',
      ...(code
        ? {
            repo: code.repo,
            ...(code.branch ? { branch: code.branch } : {}),
            ...(code.commit ? { commit: code.commit } : {}),
            scope: { repo: code.repo },
            ...(lines ? { anchor: { repo: code.repo, path: code.path, ...lines, ...(code.commit ? { commit: code.commit } : {}) } } : {}),
          }
        : {}),
    },
  };
}

/** Status bar text: mode, account and memory count. */
export function statusText(s: { mode: 'local' | 'remote'; account?: string; count?: number; engine?: string }): string {
  const parts = [s.mode === 'local' ? 'local' : s.account ? s.account : 'signed out'];
  if (s.count !== undefined) parts.push(String(s.count));
  if (s.engine === 'starting') parts.push('starting…');
  if (s.engine === 'failed') parts.push('engine stopped');
  return `$(history) Kairos: ${parts.join(' · ')}`;
}

/**
 * What a screen reader announces for the status item: words, not the icon's name ("history")
 * or separators.
 */
export function statusLabel(s: { mode: 'local' | 'remote'; account?: string; count?: number; engine?: string }): string {
  const parts = [s.mode === 'local' ? 'local mode' : s.account ? `signed in as ${s.account}` : 'signed out'];
  if (s.count !== undefined) parts.push(s.count === 1 ? '1 memory' : `${s.count} memories`);
  if (s.engine === 'starting') parts.push('engine starting');
  if (s.engine === 'failed') parts.push('engine stopped');
  return `Kairos: ${parts.join(', ')}`;
}

/** Shared with the webview's capture form (src/protocol/replace.ts). */
export { replaceSimilar } from '../protocol/replace.js';
