/** Pure text helpers for the views: highlighting, snippets, times, source labels, tags. */
import { LIMITS, normaliseTags, type MemorySource } from '../src/core/memory.js';
import { assertNever } from '../src/protocol/messages.js';

export interface Segment {
  text: string;
  match: boolean;
}

/** Words of a query worth highlighting: two characters or more, longest first so "type" wins over "ty". */
export function queryTerms(query: string): string[] {
  const words = query
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter((w) => w.length >= 2);
  return [...new Set(words)].sort((a, b) => b.length - a.length);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Splits text into plain and matching segments for the query's words. The views turn each
 * segment into a text node (inside <mark> when it matches), so text is never parsed as HTML.
 */
export function highlight(text: string, query: string): Segment[] {
  const terms = queryTerms(query);
  if (terms.length === 0 || text.length === 0) return text ? [{ text, match: false }] : [];
  const re = new RegExp(terms.map(escapeRegExp).join('|'), 'giu');
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    const start = m.index;
    if (start > last) out.push({ text: text.slice(last, start), match: false });
    out.push({ text: m[0], match: true });
    last = start + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last), match: false });
  return out;
}

/** A window of at most `max` characters, centred near the first match so hits stay visible. */
export function snippet(text: string, query: string, max = 280): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const lower = flat.toLowerCase();
  const first = queryTerms(query)
    .map((t) => lower.indexOf(t))
    .filter((i) => i >= 0)
    .sort((a, b) => a - b)[0];
  const start = first === undefined || first < max / 3 ? 0 : Math.min(first - Math.floor(max / 3), flat.length - max);
  const body = flat.slice(start, start + max).trim();
  return `${start > 0 ? '…' : ''}${body}${start + max < flat.length ? '…' : ''}`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Compact relative time: "just now", "5 min ago", "3 h ago", "yesterday", "4 d ago", then a date. */
export function relativeTime(iso: string, now: Date): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const ago = now.getTime() - t;
  if (ago < MINUTE) return 'just now';
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min ago`;
  if (ago < DAY) return `${Math.floor(ago / HOUR)} h ago`;
  if (ago < 2 * DAY) return 'yesterday';
  if (ago < 7 * DAY) return `${Math.floor(ago / DAY)} d ago`;
  const d = new Date(t);
  const sameYear = d.getUTCFullYear() === now.getUTCFullYear();
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}${sameYear ? '' : `, ${d.getUTCFullYear()}`}`;
}

export interface SourceLabel {
  /** Codicon name (without the `codicon-` prefix). */
  icon: string;
  label: string;
  /** Full description for the tooltip and accessible name. */
  title: string;
}

function basename(uri: string): string {
  const path = uri.replace(/[?#].*$/, '').replace(/\/+$/, '');
  const last = path.split(/[/\\]/).pop() ?? path;
  try {
    return decodeURIComponent(last) || uri;
  } catch {
    return last || uri;
  }
}

/** Where a memory came from, as an icon and a short label (file name, agent name, …). */
export function sourceLabel(source: MemorySource): SourceLabel {
  const line = source.range ? `:${source.range.startLine + 1}` : '';
  const file = source.uri ? `${basename(source.uri)}${line}` : undefined;
  const by = source.client ? ` (${source.client})` : '';
  const where = source.uri ? ` · ${source.uri}${line}` : '';
  switch (source.kind) {
    case 'file':
      return { icon: 'file', label: file ?? 'file', title: `File${where}` };
    case 'agent':
      return { icon: 'hubot', label: file ?? source.client ?? 'agent', title: `Agent${by}${where}` };
    case 'editor':
      return { icon: 'edit', label: file ?? source.client ?? 'editor', title: `Editor${by}${where}` };
    case 'cli':
      return { icon: 'terminal', label: file ?? 'CLI', title: `Command line${by}${where}` };
    case 'console':
      return { icon: 'globe', label: file ?? 'console', title: `Web console${where}` };
    case 'import':
      return { icon: 'cloud-download', label: file ?? 'import', title: `Imported${by}${where}` };
    case 'api':
      return { icon: 'plug', label: file ?? source.client ?? 'API', title: `API${by}${where}` };
    default:
      return assertNever(source.kind);
  }
}

/** Tags typed as "a, b c" → normalised, de-duplicated, within the server's limits. */
export function parseTags(input: string): string[] {
  const tags = normaliseTags(input.split(/[,\s]+/));
  return tags.filter((t) => t.length <= LIMITS.maxTagChars).slice(0, LIMITS.maxTags);
}

/**
 * A quiet hint of why a search hit is there, instead of a raw score (fusion scores mean nothing
 * to a reader; the engine's relevance floor already dropped what does not match).
 */
export function matchHint(matchedBy: ReadonlyArray<'dense' | 'keyword'> | undefined): string | undefined {
  if (!matchedBy?.length) return undefined;
  const words = matchedBy.includes('keyword');
  const meaning = matchedBy.includes('dense');
  return words && meaning ? 'Matches words and meaning' : words ? 'Matches words' : 'Matches meaning';
}

/** The 1-based "line L, column C" an engine refusal names (secret screening), as an offset into text. */
export function positionIn(text: string, message: string): number | undefined {
  const m = /line (\d+), column (\d+)/.exec(message);
  if (!m) return undefined;
  const lines = text.split('\n');
  const line = Number(m[1]) - 1;
  if (line >= lines.length) return undefined;
  const offset = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0);
  return Math.min(offset + Number(m[2]) - 1, text.length);
}

/** Where an anchor points: `src/a.ts:12` or `src/a.ts:12–18`. */
export function anchorLabel(anchor: { path: string; startLine: number; endLine: number }): string {
  return anchor.startLine === anchor.endLine ? `${anchor.path}:${anchor.startLine}` : `${anchor.path}:${anchor.startLine}–${anchor.endLine}`;
}

export interface StaleInfo {
  /** Short badge text. */
  label: string;
  /** The sentence behind it: what changed, when, and at which commit. */
  title: string;
}

/** The stale badge of a memory whose anchored code changed or went away; undefined while fresh. */
export function staleInfo(source: MemorySource, now: Date): StaleInfo | undefined {
  const a = source.anchor;
  const st = a?.status;
  if (!a || st?.state !== 'stale') return undefined;
  const deleted = st.reason === 'deleted';
  const when = st.staleSince ? ` ${relativeTime(st.staleSince, now)}` : '';
  const at = st.commit ? ` (at ${st.commit.slice(0, 7)})` : '';
  return {
    label: deleted ? 'Stale: file deleted' : 'Stale: code changed',
    title: `The anchored code (${anchorLabel(a)}) ${deleted ? 'was deleted' : 'changed'}${when}${at}. Check the code before relying on this memory.`,
  };
}

const SURFACES: Record<MemorySource['kind'], string> = {
  editor: 'VS Code editor',
  console: 'Web console',
  cli: 'Command line',
  agent: 'Agent (MCP)',
  import: 'Import',
  api: 'REST API',
  file: 'File',
};

/** Who wrote this version and where: the detail view's provenance rows, only those known. */
export function provenance(source: MemorySource): Array<[string, string]> {
  const rows: Array<[string, string]> = [['Written from', SURFACES[source.kind]]];
  if (source.client) rows.push(['Client', source.clientVersion ? `${source.client} ${source.clientVersion}` : source.client]);
  if (source.actor) rows.push(['Written by', source.actor === 'agent' ? 'an agent' : 'a person']);
  const repo = source.repo ?? source.scope?.repo ?? source.anchor?.repo;
  if (repo) rows.push(['Repository', repo]);
  if (source.branch) rows.push(['Branch', source.branch]);
  if (source.commit) rows.push(['Commit', source.commit.slice(0, 12)]);
  return rows;
}
