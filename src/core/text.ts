/**
 * The one input-sanitising rule every boundary applies (REST, MCP, import, CLI, OAuth, account
 * API): no string may carry a NUL (PostgreSQL text cannot hold it) or a lone UTF-16 surrogate
 * (it has no UTF-8 form, so it would be stored as U+FFFD and differ from what was echoed).
 * Pure: callers turn a finding into their own error shape (400 naming the field, OAuth
 * invalid_request, a failed import line).
 */
import { InvalidInputError } from './errors.js';

export type UnsafeKind = 'nul' | 'surrogate' | 'depth';

export interface UnsafeFinding {
  /** Where in the value: `text`, `tags[2]`, `source.uri`, or the field name given. */
  path: string;
  kind: UnsafeKind;
}

/** Deepest nesting accepted in any structured input; real requests are a few levels deep. */
export const MAX_INPUT_DEPTH = 32;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with one string, if anything. */
export function unsafeIn(s: string): Exclude<UnsafeKind, 'depth'> | undefined {
  if (s.includes('\u0000')) return 'nul';
  if (LONE_SURROGATE.test(s)) return 'surrogate';
  return undefined;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

/**
 * The first unsafe string in `value` (object keys included), or nesting deeper than
 * MAX_INPUT_DEPTH. Iterative, so hostile nesting cannot exhaust the stack.
 */
export function findUnsafe(value: unknown, path = ''): UnsafeFinding | undefined {
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: value, path, depth: 0 }];
  while (stack.length > 0) {
    const { v, path: at, depth } = stack.pop()!;
    if (typeof v === 'string') {
      const kind = unsafeIn(v);
      if (kind) return { path: at || 'value', kind };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_INPUT_DEPTH) return { path: at || 'value', kind: 'depth' };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ v: v[i], path: join(at, i), depth: depth + 1 });
      continue;
    }
    const entries = Object.entries(v as Record<string, unknown>);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i]!;
      const keyKind = unsafeIn(k);
      if (keyKind) return { path: at ? `${at} (a key)` : 'a key', kind: keyKind };
      stack.push({ v: child, path: join(at, k), depth: depth + 1 });
    }
  }
  return undefined;
}

/** One sentence saying what is wrong and what to do; never echoes the value. */
export function describeUnsafe(f: UnsafeFinding): string {
  switch (f.kind) {
    case 'nul':
      return `"${f.path}" contains a NUL character (U+0000), which Kairos does not store. Remove it.`;
    case 'surrogate':
      return `"${f.path}" contains a lone UTF-16 surrogate (an unpaired \\uD800–\\uDFFF), which is not valid Unicode. Send well-formed text.`;
    case 'depth':
      return `"${f.path}" is nested more than ${MAX_INPUT_DEPTH} levels deep. Send a flatter value.`;
  }
}

/** Throws a 400 naming the field when `value` holds an unsafe string (see findUnsafe). */
export function refuseUnsafe(value: unknown, field = ''): void {
  const found = findUnsafe(value, field);
  if (found) throw new InvalidInputError(describeUnsafe(found), { field: found.path, reason: found.kind });
}
