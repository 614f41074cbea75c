/**
 * Memories that know the code they are about: a scope (repo and paths) that search ranks and
 * filters by, and an anchor (path, lines, commit, fingerprint) whose freshness is checked against
 * the code as it is now. Pure: callers read files and git; this module only compares.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { InvalidInputError } from './errors.js';
import { normaliseRepoId } from './repoId.js';

/** What a memory is about: a repository and, within it, files, directories or simple globs. */
export interface CodeScope {
  repo?: string | undefined;
  /** Repo-relative: `src/a.ts`, `src/server/` or `src/server/**`, `**\/*.sql`, `src/*.ts`. */
  paths?: string[] | undefined;
  /** Match keys derived from paths and the anchor (see scopeKeys); written by the engine. */
  keys?: string[] | undefined;
}

/** Freshness of an anchor, recorded by whoever last compared it with the code. */
export interface AnchorStatus {
  state: 'fresh' | 'stale';
  /** Why it is stale: the anchored lines changed, or the file is gone. */
  reason?: 'changed' | 'deleted' | undefined;
  /** When it was last compared, and at which commit. */
  checkedAt: string;
  commit?: string | undefined;
  /** When it turned stale (kept while it stays stale). */
  staleSince?: string | undefined;
  /** Last time the anchor followed its lines to a new place. */
  moved?: { fromPath: string; fromLine: number; at: string; commit?: string | undefined } | undefined;
  /** Last time a person confirmed the memory still holds. */
  verifiedAt?: string | undefined;
  verifiedCommit?: string | undefined;
}

/** The exact code a memory was captured from. */
export interface CodeAnchor {
  repo?: string | undefined;
  /** Repo-relative, forward slashes. */
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** Commit checked out at capture. */
  commit?: string | undefined;
  /** SHA-256 of the normalised anchored lines (see fingerprintLines); always set on a stored anchor. */
  fingerprint?: string | undefined;
  /** The anchored lines as captured (bounded), for move detection and "show change". */
  lines: string[];
  status?: AnchorStatus | undefined;
}

export const CODE_LIMITS = {
  maxPaths: 20,
  maxPathChars: 512,
  maxAnchorLines: 200,
  maxAnchorLineChars: 1_000,
} as const;

const shortText = (max: number) => z.string().min(1).max(max);

// Shapes of scope and anchor as they cross a boundary (REST, MCP, import); the engine still
// normalises them (normaliseCodeSource).

/** What a memory is about; `keys` are derived by the engine and recomputed on every write. */
export const CodeScopeSchema = z.strictObject({
  repo: shortText(512).optional(),
  paths: z
    .array(z.string().max(CODE_LIMITS.maxPathChars))
    .max(CODE_LIMITS.maxPaths, { error: `A scope holds at most ${CODE_LIMITS.maxPaths} paths.` })
    .optional(),
  keys: z
    .array(z.string().max(CODE_LIMITS.maxPathChars + 16))
    .max(CODE_LIMITS.maxPaths + 1)
    .optional(),
});

export const AnchorStatusSchema = z.strictObject({
  state: z.enum(['fresh', 'stale']),
  reason: z.enum(['changed', 'deleted']).optional(),
  checkedAt: shortText(64),
  commit: shortText(64).optional(),
  staleSince: shortText(64).optional(),
  moved: z
    .strictObject({ fromPath: shortText(CODE_LIMITS.maxPathChars), fromLine: z.number().int().min(1), at: shortText(64), commit: shortText(64).optional() })
    .optional(),
  verifiedAt: shortText(64).optional(),
  verifiedCommit: shortText(64).optional(),
});

const anchorFields = {
  repo: shortText(512).optional(),
  path: shortText(CODE_LIMITS.maxPathChars),
  startLine: z.number().int().min(1).max(10_000_000),
  endLine: z.number().int().min(1).max(10_000_000),
  commit: shortText(64).optional(),
  lines: z
    .array(z.string().max(CODE_LIMITS.maxAnchorLineChars))
    .min(1)
    .max(CODE_LIMITS.maxAnchorLines, { error: `An anchor holds at most ${CODE_LIMITS.maxAnchorLines} lines; select fewer.` }),
};

/** The code a memory was captured from; the engine recomputes the fingerprint from `lines`. */
export const CodeAnchorSchema = z.strictObject({
  ...anchorFields,
  fingerprint: z.string().max(128).optional(),
  status: AnchorStatusSchema.optional(),
});

/** A new selection for "Re-anchor to current code". */
export const ReanchorSchema = z.strictObject(anchorFields);

/** Provenance, scope and anchor fields of a memory source, shared by the REST schema and the import parser. */
export const SOURCE_CODE_FIELDS = {
  clientVersion: z.string().max(64).optional(),
  actor: z.enum(['user', 'agent']).optional(),
  branch: z.string().max(256).optional(),
  commit: z.string().max(64).optional(),
  scope: CodeScopeSchema.optional(),
  anchor: CodeAnchorSchema.optional(),
};

/** Normalises one scope path, or says what is wrong with it. */
export function normaliseScopePath(raw: string): string {
  const p = raw
    .trim()
    .replace(/\\/g, '/')
    .replace(/^\.\//, '')
    .replace(/\/{2,}/g, '/');
  const problem = !p
    ? 'is empty'
    : p.length > CODE_LIMITS.maxPathChars
      ? `is longer than ${CODE_LIMITS.maxPathChars} characters`
      : p.startsWith('/') || /^[a-z]:/i.test(p)
        ? 'must be relative to the repository root'
        : p.split('/').some((s) => s === '..')
          ? 'must not contain ".."'
          : keyOf(p) === null
            ? 'uses a glob form that is not supported (use a file, a directory such as "src/server/", "dir/**", "**/*.ext" or "dir/*.ext")'
            : undefined;
  if (problem) throw new InvalidInputError(`Scope path "${raw.slice(0, 80)}" ${problem}.`);
  return p;
}

/**
 * The match key of one scope path: `f:` a file, `d:` a directory and everything below it,
 * `e:` files with an extension anywhere below a directory, `x:` files with an extension directly
 * in a directory. Search asks for the keys of the open file (pathKeys), so a store matches
 * paths with an "any of these keys" filter, which both SQL and Qdrant do natively.
 */
function keyOf(p: string): string | null {
  if (!/[*?[\]{}]/.test(p)) return p.endsWith('/') ? `d:${p}` : `f:${p}`;
  let m = /^((?:[^*?[\]{}/]+\/)*)\*\*$/.exec(p);
  if (m) return `d:${m[1]}`;
  m = /^((?:[^*?[\]{}/]+\/)*)\*\*\/\*(\.[^*?[\]{}/]+)$/.exec(p);
  if (m) return `e:${m[1]}|${m[2]}`;
  m = /^((?:[^*?[\]{}/]+\/)*)\*(\.[^*?[\]{}/]+)$/.exec(p);
  if (m) return `x:${m[1]}|${m[2]}`;
  return null;
}

/** The keys a memory is found by: its scope paths and its anchor's file. */
export function scopeKeys(paths: readonly string[] | undefined, anchorPath?: string): string[] {
  const keys = new Set<string>();
  for (const p of paths ?? []) keys.add(keyOf(p)!);
  if (anchorPath) keys.add(`f:${anchorPath}`);
  return [...keys].sort();
}

/** Every key that matches a file: the file itself, each directory above it, its extension globs. */
export function pathKeys(file: string): string[] {
  const p = normaliseScopePath(file);
  const parts = p.split('/');
  const name = parts.pop()!;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot) : undefined;
  const keys = [`f:${p}`];
  let dir = '';
  for (let i = 0; i <= parts.length; i++) {
    keys.push(`d:${dir}`);
    if (ext) keys.push(`e:${dir}|${ext}`);
    if (i < parts.length) dir += `${parts[i]}/`;
  }
  if (ext) keys.push(`x:${dir}|${ext}`);
  return keys;
}

/** The form two pieces of code must share to be "the same lines": indentation and blank lines ignored. */
export function normaliseCodeLines(lines: readonly string[]): string[] {
  return lines.map((l) => l.trim().replace(/\s+/g, ' ')).filter((l) => l.length > 0);
}

export function fingerprintLines(lines: readonly string[]): string {
  return createHash('sha256').update(normaliseCodeLines(lines).join('\n'), 'utf8').digest('hex');
}

export type AnchorCheck =
  { state: 'fresh' } | { state: 'moved'; path: string; startLine: number; endLine: number } | { state: 'stale'; reason: 'changed' | 'deleted' };

/**
 * Compares an anchor with the file as it is now. `current` is the file's text at the anchor's path
 * (or at the path git reports it was renamed to: pass that as `renamedTo`), null when it is gone.
 * The anchor stays fresh when its lines are where they were, follows them when they moved (the
 * nearest occurrence to the old place), and is stale otherwise.
 */
export function checkAnchor(
  anchor: Pick<CodeAnchor, 'path' | 'startLine' | 'endLine' | 'fingerprint' | 'lines'>,
  current: string | null,
  renamedTo?: string,
): AnchorCheck {
  if (current === null) return { state: 'stale', reason: 'deleted' };
  const wanted = normaliseCodeLines(anchor.lines);
  const path = renamedTo ?? anchor.path;
  if (wanted.length === 0) return { state: 'stale', reason: 'changed' };
  const fileLines = current.split(/\r?\n/);
  const at = (start: number): number | null => {
    // Matches the normalised anchored lines from fileLines[start], skipping blank lines; returns the end index.
    let k = 0;
    let i = start;
    for (; i < fileLines.length && k < wanted.length; i++) {
      const norm = fileLines[i]!.trim().replace(/\s+/g, ' ');
      if (!norm) continue;
      if (norm !== wanted[k]) return null;
      k++;
    }
    return k === wanted.length ? i - 1 : null;
  };
  const origin = anchor.startLine - 1;
  let best: { start: number; end: number } | null = null;
  for (let s = 0; s < fileLines.length; s++) {
    if (!fileLines[s]!.trim()) continue;
    const end = at(s);
    if (end === null) continue;
    if (!best || Math.abs(s - origin) < Math.abs(best.start - origin)) best = { start: s, end };
    // Later matches are only further from the old place.
    if (s >= origin) break;
  }
  if (!best) return { state: 'stale', reason: 'changed' };
  if (best.start === origin && best.end === anchor.endLine - 1 && path === anchor.path) return { state: 'fresh' };
  return { state: 'moved', path, startLine: best.start + 1, endLine: best.end + 1 };
}

/** Builds an anchor from a selection; the lines are bounded so a memory stays small. */
export function makeAnchor(input: {
  repo?: string | undefined;
  path: string;
  startLine: number;
  endLine: number;
  commit?: string | undefined;
  lines: readonly string[];
}): CodeAnchor {
  const path = normaliseScopePath(input.path);
  if (/[*?[\]{}]/.test(path) || path.endsWith('/')) throw new InvalidInputError(`Anchor path "${path}" must name a file.`);
  if (
    !Number.isInteger(input.startLine) ||
    !Number.isInteger(input.endLine) ||
    input.startLine < 1 ||
    input.endLine < input.startLine ||
    input.endLine > 10_000_000
  ) {
    throw new InvalidInputError('Anchor lines must be whole numbers with 1 ≤ startLine ≤ endLine.');
  }
  if (input.lines.length === 0 || input.lines.length > CODE_LIMITS.maxAnchorLines) {
    throw new InvalidInputError(`An anchor holds 1 to ${CODE_LIMITS.maxAnchorLines} lines of code; select fewer lines.`);
  }
  if (normaliseCodeLines(input.lines).length === 0) throw new InvalidInputError('An anchor needs at least one non-blank line of code.');
  const lines = input.lines.map((l) => l.slice(0, CODE_LIMITS.maxAnchorLineChars));
  return {
    ...(input.repo ? { repo: normaliseRepoId(input.repo) } : {}),
    path,
    startLine: input.startLine,
    endLine: input.endLine,
    ...(input.commit ? { commit: input.commit } : {}),
    fingerprint: fingerprintLines(lines),
    lines,
  };
}

/** The anchor after a check: the new place when it moved, the new status either way. */
export function applyCheck(anchor: CodeAnchor, check: AnchorCheck, at: string, commit?: string): CodeAnchor {
  const prev = anchor.status;
  const keep = { ...(prev?.verifiedAt ? { verifiedAt: prev.verifiedAt } : {}), ...(prev?.verifiedCommit ? { verifiedCommit: prev.verifiedCommit } : {}) };
  const c = commit ? { commit } : {};
  if (check.state === 'stale') {
    const staleSince = prev?.state === 'stale' && prev.staleSince ? prev.staleSince : at;
    return {
      ...anchor,
      status: { ...keep, ...(prev?.moved ? { moved: prev.moved } : {}), state: 'stale', reason: check.reason, checkedAt: at, staleSince, ...c },
    };
  }
  if (check.state === 'moved') {
    return {
      ...anchor,
      path: check.path,
      startLine: check.startLine,
      endLine: check.endLine,
      status: { ...keep, state: 'fresh', checkedAt: at, ...c, moved: { fromPath: anchor.path, fromLine: anchor.startLine, at, ...c } },
    };
  }
  return { ...anchor, status: { ...keep, ...(prev?.moved ? { moved: prev.moved } : {}), state: 'fresh', checkedAt: at, ...c } };
}

/** "Still true": a person confirmed the memory holds for the code as it is at `commit`. */
export function verifyAnchor(anchor: CodeAnchor, at: string, commit?: string): CodeAnchor {
  return {
    ...anchor,
    status: {
      ...(anchor.status?.moved ? { moved: anchor.status.moved } : {}),
      state: 'fresh',
      checkedAt: at,
      verifiedAt: at,
      ...(commit ? { commit, verifiedCommit: commit } : {}),
    },
  };
}

export function isStale(anchor: CodeAnchor | undefined): boolean {
  return anchor?.status?.state === 'stale';
}

/** How a search context weighs a memory: its repo, matching paths, and whether its code changed. */
export interface SearchContext {
  repo?: string | undefined;
  /** Open or named files, repo-relative. */
  paths?: string[] | undefined;
}

/** Multipliers on a fused score; chosen so each rule reorders near-ties without burying evidence. */
export const CONTEXT_WEIGHTS = { otherRepo: 0.6, pathMatch: 1.3, stale: 0.7 } as const;

export function contextWeight(
  scope: CodeScope | undefined,
  anchor: CodeAnchor | undefined,
  ctx: SearchContext | undefined,
  wantedKeys: ReadonlySet<string>,
): number {
  let w = 1;
  const repo = scope?.repo ?? anchor?.repo;
  if (ctx?.repo && repo && repo !== ctx.repo) w *= CONTEXT_WEIGHTS.otherRepo;
  if (wantedKeys.size > 0 && (!ctx?.repo || !repo || repo === ctx.repo) && (scope?.keys ?? []).some((k) => wantedKeys.has(k))) w *= CONTEXT_WEIGHTS.pathMatch;
  if (isStale(anchor)) w *= CONTEXT_WEIGHTS.stale;
  return w;
}

/**
 * Normalises the code-aware parts of a memory's source before it is stored: repo ids in their
 * portable form, scope paths checked and keyed, the anchor rebuilt from its lines (its
 * fingerprint is never taken from the caller). A status is kept (export/import round trip); an
 * anchor without one is fresh as of `now`.
 */
export function normaliseCodeSource<T extends { scope?: CodeScope | undefined; anchor?: CodeAnchor | undefined }>(source: T, now?: string): T {
  const out = { ...source };
  let anchor: CodeAnchor | undefined;
  if (source.anchor) {
    const a = source.anchor;
    if (!Array.isArray(a.lines)) throw new InvalidInputError('An anchor needs "lines": the anchored code, one string per line.');
    anchor = makeAnchor({
      ...(a.repo ? { repo: a.repo } : {}),
      path: a.path,
      startLine: a.startLine,
      endLine: a.endLine,
      ...(a.commit ? { commit: a.commit } : {}),
      lines: a.lines,
    });
    // A new anchor is fresh as of its capture, so "anchored and fresh" is one indexed value.
    if (a.status) anchor.status = a.status;
    else if (now) anchor.status = { state: 'fresh', checkedAt: now };
    out.anchor = anchor;
  }
  const repo = source.scope?.repo ? normaliseRepoId(source.scope.repo) : anchor?.repo;
  const given = source.scope?.paths ?? [];
  if (given.length > CODE_LIMITS.maxPaths) throw new InvalidInputError(`A scope holds at most ${CODE_LIMITS.maxPaths} paths.`);
  const paths = [...new Set(given.map(normaliseScopePath))];
  const keys = scopeKeys(paths, anchor?.path);
  if (repo || paths.length > 0 || keys.length > 0) {
    out.scope = { ...(repo ? { repo } : {}), ...(paths.length > 0 ? { paths } : {}), ...(keys.length > 0 ? { keys } : {}) };
  } else {
    delete out.scope;
  }
  return out;
}
