/** The memory model: plain data, validated at the edges with zod (see src/protocol). */
import type { CodeAnchor, CodeScope } from './code.js';

export const SOURCE_KINDS = ['agent', 'editor', 'cli', 'file', 'console', 'import', 'api'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface SourceRange {
  startLine: number;
  startCharacter?: number | undefined;
  endLine: number;
  endCharacter?: number | undefined;
}

/** Where a memory came from: who captured it and, for code, which file and range. */
export interface MemorySource {
  kind: SourceKind;
  /** File or web URI the memory is about. */
  uri?: string | undefined;
  range?: SourceRange | undefined;
  language?: string | undefined;
  repo?: string | undefined;
  /** Free-form label of the capturing client (e.g. "copilot", "claude-code"); for MCP, the name it gave at initialize. */
  client?: string | undefined;
  /** The client's version as it reported it (MCP initialize, extension version). */
  clientVersion?: string | undefined;
  /** Whether a person or an agent wrote this version. */
  actor?: 'user' | 'agent' | undefined;
  /** Branch and commit checked out when it was written. */
  branch?: string | undefined;
  commit?: string | undefined;
  /** The repo and paths the memory is about; search ranks and filters by it. */
  scope?: CodeScope | undefined;
  /** The code it was captured from; its status says whether that code has changed since. */
  anchor?: CodeAnchor | undefined;
}

export interface Memory {
  id: string;
  /** Collection the memory lives in: `kairos_user_<uid>` or `kairos_org_<oid>`. */
  space: string;
  text: string;
  tags: string[];
  source: MemorySource;
  /** SHA-256 of the normalised text: exact duplicates in one space share it. */
  contentHash: string;
  /** 1 for a new memory, +1 on every update or supersede. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** A previous state of a memory, kept when it is updated or superseded. */
export interface MemoryVersion {
  version: number;
  text: string;
  tags: string[];
  source: MemorySource;
  /** When this version stopped being current. */
  replacedAt: string;
  reason: 'update' | 'supersede' | 'restore';
}

export interface MemoryWithHistory extends Memory {
  history: MemoryVersion[];
}

export interface MemoryFilter {
  tags?: string[] | undefined;
  sourceKinds?: SourceKind[] | undefined;
  /** ISO timestamps, inclusive, on updatedAt. */
  since?: string | undefined;
  until?: string | undefined;
  /** Only memories scoped or anchored to this repo id (portable form, core/repoId.ts). */
  repo?: string | undefined;
  /** Only memories anchored or scoped to this repo-relative file, or a directory or glob holding it. */
  path?: string | undefined;
  /** true: only memories whose anchored code changed; false: only anchored memories still fresh. */
  stale?: boolean | undefined;
}

export interface SearchHit {
  memory: Memory;
  /** Reciprocal-rank-fusion score: higher is better; comparable within one result list. */
  score: number;
  /** Cosine similarity to the query when the dense leg found it. */
  similarity?: number;
  /** Which legs matched: dense (meaning) and/or keyword (words). */
  matchedBy: Array<'dense' | 'keyword'>;
}

export interface Page<T> {
  items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextCursor?: string;
}

export type RememberOutcome = 'created' | 'duplicate' | 'superseded';

/** An existing memory close in meaning to one just written, reported so the caller can decide. */
export interface SimilarMemory {
  id: string;
  text: string;
  /** Cosine similarity of the two texts' vectors (0–1). */
  similarity: number;
  updatedAt: string;
}

export interface RememberResult {
  outcome: RememberOutcome;
  memory: Memory;
  /** For superseded: the id that was replaced (same id is kept; the old text moves to history). */
  supersededId?: string;
  /**
   * For created: up to 3 existing memories above the similarity threshold, most similar first.
   * Nothing was replaced: the caller may `update_memory` (or remember with `supersedes`) one of them.
   */
  similar?: SimilarMemory[];
}

export const LIMITS = {
  /** Largest memory text accepted, in characters. */
  maxTextChars: 16_000,
  maxTags: 32,
  maxTagChars: 64,
  maxQueryChars: 2_000,
  maxPageSize: 100,
  defaultPageSize: 20,
  /**
   * Highest version number a memory may reach (imported history included). Versions are int4
   * in SQL: a cap far below 2^31 means no update can ever overflow the column.
   */
  maxVersion: 1_000_000,
  /** Largest line/character number in a source range (a file with more lines is not code). */
  maxSourceLine: 10_000_000,
  /** Largest result offset a cursor may carry: deeper paging is refused, not computed. */
  maxOffset: 10_000,
} as const;

export function userSpace(uid: string): string {
  return `kairos_user_${uid}`;
}

export function orgSpace(oid: string): string {
  return `kairos_org_${oid}`;
}

/** A space's name; the REST schema and the CLI's --space parser both check it with this. */
export const SPACE_NAME_PATTERN = /^kairos_(user|org)_[A-Za-z0-9_-]{1,64}$/;
export const SPACE_NAME_HINT = 'A space looks like kairos_user_<id> or kairos_org_<id>.';

export function isSpaceName(name: string): boolean {
  return SPACE_NAME_PATTERN.test(name);
}

/** Trims and folds whitespace runs. */
export function normaliseText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

// Sentence punctuation: periods, commas, colons, quotes, brackets, dashes, ellipses. Symbols
// (+ # $ % / = …) are meaning ("C++", "$5", "a/b") and never removed.
const SENTENCE_PUNCT = /[.,;:!?'"`\u2018\u2019\u201C\u201D\u00AB\u00BB()[\]{}\u2013\u2014\u2026-]/u;
const ALNUM = /[\p{L}\p{N}]/u;

/**
 * The form two texts must share to be duplicates: same words and values, whatever the case,
 * spacing or sentence punctuation ("We deploy on Fridays." = "we deploy on fridays"). A
 * punctuation mark between two letters or digits is kept, so values stay distinct ("1.2.3" ≠
 * "12.3", "10:30" ≠ "1030"), and so is a sign before a number ("-5" ≠ "5").
 */
export function duplicateKey(text: string): string {
  const chars = Array.from(text.normalize('NFKC').toLowerCase());
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (!SENTENCE_PUNCT.test(ch)) {
      out += ch;
      continue;
    }
    const before = chars[i - 1] ?? ' ';
    const after = chars[i + 1] ?? ' ';
    const inner = ALNUM.test(before) && ALNUM.test(after);
    const sign = (ch === '-' || ch === '.') && /\p{N}/u.test(after) && !ALNUM.test(before);
    out += inner || sign ? ch : ' ';
  }
  return normaliseText(out);
}

export function normaliseTags(tags: readonly string[] | undefined): string[] {
  if (!tags) return [];
  const seen = new Set<string>();
  for (const t of tags) {
    const v = t.trim().toLowerCase();
    if (v) seen.add(v);
  }
  return [...seen].sort();
}
