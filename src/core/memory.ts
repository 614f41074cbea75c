/** The memory model: plain data, validated at the edges with zod (see src/protocol). */

export const SOURCE_KINDS = ['agent', 'editor', 'cli', 'file', 'console', 'import', 'api'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface SourceRange {
  startLine: number;
  startCharacter?: number;
  endLine: number;
  endCharacter?: number;
}

/** Where a memory came from: who captured it and, for code, which file and range. */
export interface MemorySource {
  kind: SourceKind;
  /** File or web URI the memory is about. */
  uri?: string;
  range?: SourceRange;
  language?: string;
  repo?: string;
  /** Free-form label of the capturing client (e.g. "copilot", "claude-code"). */
  client?: string;
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
  tags?: string[];
  sourceKinds?: SourceKind[];
  /** ISO timestamps, inclusive, on updatedAt. */
  since?: string;
  until?: string;
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

export interface RememberResult {
  outcome: RememberOutcome;
  memory: Memory;
  /** For superseded: the id that was replaced (same id is kept; the old text moves to history). */
  supersededId?: string;
}

export const LIMITS = {
  /** Largest memory text accepted, in characters. */
  maxTextChars: 16_000,
  maxTags: 32,
  maxTagChars: 64,
  maxQueryChars: 2_000,
  maxPageSize: 100,
  defaultPageSize: 20,
} as const;

export function userSpace(uid: string): string {
  return `kairos_user_${uid}`;
}

export function orgSpace(oid: string): string {
  return `kairos_org_${oid}`;
}

const SPACE_RE = /^kairos_(user|org)_[A-Za-z0-9_-]{1,64}$/;

export function isSpaceName(name: string): boolean {
  return SPACE_RE.test(name);
}

/** Text normalisation used for the content hash: trims and folds whitespace runs. */
export function normaliseText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
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
