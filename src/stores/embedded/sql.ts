/** SQL building blocks shared by the embedded store's queries: parameters, filters, rows. */
import { InvalidInputError } from '../../core/errors.js';
import { pathKeys } from '../../core/code.js';
import { normaliseTags, type Memory, type MemoryFilter, type MemorySource, type MemoryVersion } from '../../core/memory.js';

/** Collects positional parameters; `add` returns the placeholder to put in the SQL. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Columns selected to rebuild a Memory (never the vector: it is not part of Memory). */
export const MEMORY_COLUMNS = 'id, text, tags, source, content_hash, version, created_at, updated_at';

export function memoryColumns(alias: string): string {
  return MEMORY_COLUMNS.split(', ')
    .map((c) => `${alias}.${c}`)
    .join(', ');
}

export interface MemoryRow {
  id: string;
  text: string;
  tags: string[];
  source: MemorySource;
  content_hash: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export function rowToMemory(space: string, r: MemoryRow): Memory {
  return {
    id: r.id,
    space,
    text: r.text,
    tags: r.tags,
    source: r.source,
    contentHash: r.content_hash,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export interface VersionRow {
  version: number;
  text: string;
  tags: string[];
  source: MemorySource;
  replaced_at: string;
  reason: MemoryVersion['reason'];
}

export function rowToVersion(r: VersionRow): MemoryVersion {
  return { version: r.version, text: r.text, tags: r.tags, source: r.source, replacedAt: r.replaced_at, reason: r.reason };
}

/** Epoch milliseconds of an ISO timestamp; rejects what Date cannot read. */
export function toMillis(iso: string, field: string): number {
  const ms = typeof iso === 'string' ? Date.parse(iso) : NaN;
  if (!Number.isFinite(ms)) throw new InvalidInputError(`"${field}" must be an ISO 8601 timestamp.`);
  return ms;
}

/** Refuses a vector of the wrong size or with NaN/Infinity, before any write. */
export function checkVector(vector: Float32Array, dimension: number): void {
  if (!(vector instanceof Float32Array) || vector.length !== dimension) {
    throw new InvalidInputError(`The vector has ${vector?.length ?? 0} dimensions; this space stores ${dimension}-dimensional vectors.`);
  }
  for (const x of vector) {
    if (!Number.isFinite(x)) throw new InvalidInputError('The vector contains a non-finite value (NaN or Infinity).');
  }
}

/**
 * pgvector's text form. Nine significant digits round-trip any float32 exactly and keep the
 * literal short (the default double formatting adds noise digits).
 */
export function vectorLiteral(vector: Float32Array, dimension: number): string {
  checkVector(vector, dimension);
  const parts = new Array<string>(dimension);
  for (let i = 0; i < dimension; i++) {
    const x = vector[i]!;
    parts[i] = x === 0 ? '0' : x.toPrecision(9);
  }
  return `[${parts.join(',')}]`;
}

/**
 * WHERE conditions for a MemoryFilter. Tags: a memory must carry ALL given tags. Source kinds:
 * any of the given kinds. since/until: inclusive bounds on updatedAt. repo: the scope's repo id;
 * path: ANY of the file's match keys among the scope's keys; stale: stale, or anchored and not
 * stale. Empty lists filter nothing.
 */
export function filterConditions(filter: MemoryFilter | undefined, p: Params, alias = ''): string[] {
  if (!filter) return [];
  const col = (c: string): string => (alias ? `${alias}.${c}` : c);
  const out: string[] = [];
  const tags = normaliseTags(filter.tags);
  if (tags.length > 0) out.push(`${col('tags')} @> ${p.add(tags)}::text[]`);
  if (filter.sourceKinds && filter.sourceKinds.length > 0) out.push(`${col('source_kind')} = ANY(${p.add([...filter.sourceKinds])}::text[])`);
  if (filter.since !== undefined) out.push(`${col('updated_ms')} >= ${p.add(toMillis(filter.since, 'since'))}`);
  if (filter.until !== undefined) out.push(`${col('updated_ms')} <= ${p.add(toMillis(filter.until, 'until'))}`);
  if (filter.repo !== undefined) out.push(`${col('source')}->'scope'->>'repo' = ${p.add(filter.repo)}`);
  if (filter.path !== undefined) out.push(`${col('source')}->'scope'->'keys' ?| ${p.add(pathKeys(filter.path))}::text[]`);
  if (filter.stale === true) out.push(`${col('source')}->'anchor'->'status'->>'state' = 'stale'`);
  if (filter.stale === false) {
    out.push(`${col('source')} ? 'anchor' AND coalesce(${col('source')}->'anchor'->'status'->>'state', 'fresh') <> 'stale'`);
  }
  return out;
}

export function where(conditions: string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}
