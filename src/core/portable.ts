/**
 * Portable formats: pure parsers from lines to ImportItems (no I/O). Two inputs are understood:
 * Kairos's own JSONL export (one ExportRecord per line) and the official MCP memory server's
 * memory.json (JSONL of entities and relations).
 */
import { z } from 'zod';
import { SOURCE_CODE_FIELDS } from './code.js';
import { LIMITS, SOURCE_KINDS, type MemorySource } from './memory.js';
import type { ExportRecord, ImportItem } from './memoryService.js';
import { KairosError } from './errors.js';
import { describeUnsafe, findUnsafe } from './text.js';

export type PortableFormat = 'jsonl' | 'mcp-memory';

/** A line that could not be parsed; the import goes on without it. */
export class LineError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`Line ${line}: ${message}`);
    this.name = 'LineError';
  }
}

const position = z.number().int().min(0).max(LIMITS.maxSourceLine);
const timestamp = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 timestamp such as 2026-01-31T12:00:00Z.' });

const SourceSchema = z.looseObject({
  kind: z.enum(SOURCE_KINDS),
  uri: z.string().optional(),
  range: z.object({ startLine: position, startCharacter: position.optional(), endLine: position, endCharacter: position.optional() }).optional(),
  language: z.string().optional(),
  repo: z.string().optional(),
  client: z.string().optional(),
  ...SOURCE_CODE_FIELDS,
});

const VersionSchema = z.object({
  version: z
    .number()
    .int()
    .min(1)
    .max(LIMITS.maxVersion - 1, { error: `is at most ${LIMITS.maxVersion - 1}.` }),
  text: z.string(),
  tags: z.array(z.string()).default([]),
  source: SourceSchema,
  replacedAt: timestamp,
  reason: z.enum(['update', 'supersede', 'restore']),
});

const RecordSchema = z.object({
  text: z.string(),
  tags: z.array(z.string()).optional(),
  source: SourceSchema.optional(),
  id: z.string().min(1).max(128).optional(),
  createdAt: timestamp.optional(),
  updatedAt: timestamp.optional(),
  history: z.array(VersionSchema).optional(),
});

const EntitySchema = z.object({
  type: z.literal('entity'),
  name: z.string().min(1),
  entityType: z.string().default('entity'),
  observations: z.array(z.string()).default([]),
});

const RelationSchema = z.object({
  type: z.literal('relation'),
  from: z.string().min(1),
  to: z.string().min(1),
  relationType: z.string().min(1),
});

const MCP_SOURCE: MemorySource = { kind: 'import', client: 'mcp-memory' };

/** Parses one line; NUL, lone surrogates and deep nesting fail the line like bad JSON does. */
function parseJson(line: string, lineNo: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new LineError(lineNo, 'not valid JSON.');
  }
  const unsafe = findUnsafe(value);
  if (unsafe) throw new LineError(lineNo, describeUnsafe(unsafe));
  return value;
}

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || 'record'}: ${i.message}` : 'invalid record.';
}

function pickSource(s: z.infer<typeof SourceSchema>): MemorySource {
  const out: MemorySource = { kind: s.kind };
  if (s.uri !== undefined) out.uri = s.uri;
  if (s.range !== undefined) out.range = s.range;
  if (s.language !== undefined) out.language = s.language;
  if (s.repo !== undefined) out.repo = s.repo;
  if (s.client !== undefined) out.client = s.client;
  if (s.clientVersion !== undefined) out.clientVersion = s.clientVersion;
  if (s.actor !== undefined) out.actor = s.actor;
  if (s.branch !== undefined) out.branch = s.branch;
  if (s.commit !== undefined) out.commit = s.commit;
  if (s.scope !== undefined) out.scope = s.scope;
  if (s.anchor !== undefined) out.anchor = s.anchor;
  return out;
}

/** One line of a Kairos JSONL export → one ImportItem (ids, timestamps and history kept). */
export function parseJsonlLine(line: string, lineNo: number): ImportItem {
  const parsed = RecordSchema.safeParse(parseJson(line, lineNo));
  if (!parsed.success) throw new LineError(lineNo, firstIssue(parsed.error));
  const r = parsed.data;
  const item: ImportItem = { text: r.text };
  if (r.tags) item.tags = r.tags;
  if (r.source) item.source = pickSource(r.source);
  if (r.id) item.id = r.id;
  if (r.createdAt) item.createdAt = r.createdAt;
  if (r.updatedAt) item.updatedAt = r.updatedAt;
  if (r.history?.length) item.history = r.history.map((h) => ({ ...h, source: pickSource(h.source) }));
  return item;
}

function entityTag(name: string): string {
  return `entity:${name}`.slice(0, LIMITS.maxTagChars);
}

/** One line of an MCP memory server memory.json → zero or more ImportItems. */
export function parseMcpMemoryLine(line: string, lineNo: number): ImportItem[] {
  const json = parseJson(line, lineNo);
  const type = (json as { type?: unknown } | null)?.type;
  if (type === 'entity') {
    const parsed = EntitySchema.safeParse(json);
    if (!parsed.success) throw new LineError(lineNo, firstIssue(parsed.error));
    const e = parsed.data;
    const tags = [e.entityType.toLowerCase().slice(0, LIMITS.maxTagChars), entityTag(e.name)];
    return e.observations.map((o) => ({ text: `${e.name}: ${o}`, tags, source: MCP_SOURCE }));
  }
  if (type === 'relation') {
    const parsed = RelationSchema.safeParse(json);
    if (!parsed.success) throw new LineError(lineNo, firstIssue(parsed.error));
    const r = parsed.data;
    return [{ text: `${r.from} ${r.relationType} ${r.to}`, tags: ['relation'], source: MCP_SOURCE }];
  }
  throw new LineError(lineNo, 'expected {"type":"entity",…} or {"type":"relation",…}.');
}

/** Guesses the format from the first non-empty line. */
export function detectFormat(firstLine: string): PortableFormat {
  try {
    const v = JSON.parse(firstLine) as Record<string, unknown> | null;
    if (v && typeof v === 'object' && (v.type === 'entity' || v.type === 'relation') && !('text' in v)) return 'mcp-memory';
  } catch {
    // Not JSON: the JSONL parser reports it with its line number.
  }
  return 'jsonl';
}

/** Parses one line in the given format. */
export function parseLine(format: PortableFormat, line: string, lineNo: number): ImportItem[] {
  return format === 'mcp-memory' ? parseMcpMemoryLine(line, lineNo) : [parseJsonlLine(line, lineNo)];
}

/**
 * Longest input line accepted, in characters. A record is at most a 16,000-character text plus
 * its history; a line beyond this is not an export (e.g. /dev/zero), and reading on would only
 * grow memory, so the import stops with a clear message.
 */
export const MAX_LINE_CHARS = 8 * 1024 * 1024;

/** Splits a stream of chunks into lines (\n or \r\n), decoding UTF-8 across chunk boundaries. */
export async function* splitLines(chunks: AsyncIterable<Uint8Array | string>, maxLineChars = MAX_LINE_CHARS): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  let lineNo = 0;
  for await (const chunk of chunks) {
    rest += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      lineNo++;
      yield rest.slice(0, nl).replace(/\r$/, '');
      rest = rest.slice(nl + 1);
    }
    if (rest.length > maxLineChars) {
      throw new KairosError(
        'payload_too_large',
        `Line ${lineNo + 1} is longer than ${maxLineChars} characters, so this is not a Kairos export or memory.json. The import stopped there; lines before it were imported.`,
      );
    }
  }
  rest += decoder.decode();
  if (rest.length > 0) yield rest.replace(/\r$/, '');
}

/**
 * Turns lines into ImportItems. Blank lines are skipped; a bad line is reported through
 * `onLineError` and skipped, so one broken record does not abort a large import.
 */
export async function* parsePortable(
  lines: AsyncIterable<string> | Iterable<string>,
  opts: { format?: PortableFormat; onLineError: (e: LineError) => void },
): AsyncGenerator<ImportItem> {
  let format = opts.format;
  let lineNo = 0;
  for await (const raw of lines) {
    lineNo++;
    const line = raw.trim();
    if (!line) continue;
    format ??= detectFormat(line);
    let items: ImportItem[];
    try {
      items = parseLine(format, line, lineNo);
    } catch (e) {
      if (e instanceof LineError) {
        opts.onLineError(e);
        continue;
      }
      throw e;
    }
    for (const item of items) yield { ...item, line: lineNo };
  }
}

/** Serialises one export record as an NDJSON line (with trailing newline). */
export function exportLine(record: ExportRecord): string {
  return JSON.stringify(record) + '\n';
}
