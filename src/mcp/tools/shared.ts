/**
 * Pieces every MCP tool module shares: result bounds, output schemas for memories, and the
 * wrapper that turns a handler's outcome (or failure) into a CallToolResult.
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { isKairosError } from '../../core/errors.js';
import { isStale, type CodeAnchor } from '../../core/code.js';
import { refuseUnsafe } from '../../core/text.js';
import type { Memory, MemorySource, MemoryVersion } from '../../core/memory.js';
import type { MemoryService } from '../../core/memoryService.js';
import { SpaceNameSchema } from '../../protocol/schemas.js';
import type { Logger } from '../../util/logger.js';

/**
 * Bounds on what one tool call returns. Tighter than the REST limits: every character here
 * lands in an agent's context window.
 */
export const MCP_LIMITS = {
  defaultPageSize: 10,
  maxPageSize: 50,
  /** Memory text longer than this is cut in search/list results and in history entries. */
  previewChars: 1_000,
  /** History versions get_memory returns, newest first. */
  maxHistory: 20,
} as const;

/** What every tool module receives from the server factory. */
export interface ToolDeps {
  service: MemoryService;
  logger: Logger;
  /** Name and version the connected client gave at initialize (over stateless HTTP: remembered per credential). */
  clientInfo: () => { name: string; version?: string } | undefined;
  /** The repo of the workspace this server serves (set by the editor that registered it); explicit arguments win. */
  defaultRepo: string | undefined;
}

export const spaceParam = SpaceNameSchema.describe(
  "Space to use, e.g. kairos_org_<id>. Default: the user's personal space. Only spaces the signed-in user belongs to are accepted.",
);

export const limitParam = z
  .number({ error: '"limit" must be a number.' })
  .int({ error: '"limit" must be a whole number.' })
  .min(1, { error: '"limit" must be at least 1.' })
  .max(MCP_LIMITS.maxPageSize, { error: `"limit" is at most ${MCP_LIMITS.maxPageSize} per call; page with nextCursor for more.` })
  .describe(`Results per page: default ${MCP_LIMITS.defaultPageSize}, at most ${MCP_LIMITS.maxPageSize}.`);

export const cursorParam = z
  .string({ error: '"cursor" must be a string.' })
  .max(512)
  .describe('nextCursor from the previous page, passed back unchanged. Omit it for the first page.');

// Output schemas are deliberately loose on strings (no enums, no formats): they describe what
// comes back, and a value written by a newer version must not make an older server fail.
const SourceOut = z.object({
  kind: z.string(),
  uri: z.string().optional(),
  range: z
    .object({
      startLine: z.number(),
      startCharacter: z.number().optional(),
      endLine: z.number(),
      endCharacter: z.number().optional(),
    })
    .optional(),
  language: z.string().optional(),
  repo: z.string().optional(),
  client: z.string().optional(),
  clientVersion: z.string().optional(),
  actor: z.string().optional(),
  branch: z.string().optional(),
  commit: z.string().optional(),
  scope: z.object({ repo: z.string().optional(), paths: z.array(z.string()).optional() }).optional(),
});

const AnchorOut = z
  .object({
    repo: z.string().optional(),
    path: z.string(),
    startLine: z.number(),
    endLine: z.number(),
    commit: z.string().optional(),
    state: z.string().describe('fresh: the code is as captured (or moved and followed); stale: it changed or was deleted.'),
    reason: z.string().optional(),
    staleSince: z.string().optional(),
    verifiedAt: z.string().optional(),
  })
  .describe('The code the memory was captured from.');

const memoryFields = {
  id: z.string(),
  space: z.string(),
  text: z.string(),
  tags: z.array(z.string()),
  source: SourceOut,
  version: z.number().describe('1 when created; +1 on every update or supersede.'),
  createdAt: z.string(),
  updatedAt: z.string(),
  anchor: AnchorOut.optional(),
  stale: z.boolean().optional().describe('True when the code this memory is anchored to changed since: verify it before relying on it.'),
};

/** A memory as search and list return it: text cut at MCP_LIMITS.previewChars. */
export const MemoryPreviewOut = z.object({
  ...memoryFields,
  truncated: z.boolean().describe('True when text was cut; get_memory returns all of it.'),
});

/** A memory with its full text (get_memory, remember, update_memory). */
export const MemoryOut = z.object(memoryFields);

export const HistoryEntryOut = z.object({
  version: z.number(),
  text: z.string(),
  truncated: z.boolean(),
  tags: z.array(z.string()),
  reason: z.string().describe('update, supersede or restore: why this version stopped being current.'),
  replacedAt: z.string(),
});

export type MemoryPreview = z.infer<typeof MemoryPreviewOut>;
export type MemoryFull = z.infer<typeof MemoryOut>;
export type HistoryEntry = z.infer<typeof HistoryEntryOut>;

/** Cuts text at `max` UTF-16 units without splitting a surrogate pair. */
export function truncate(text: string, max: number = MCP_LIMITS.previewChars): { text: string; truncated: boolean } {
  if (text.length <= max) return { text, truncated: false };
  const code = text.charCodeAt(max - 1);
  const end = code >= 0xd800 && code <= 0xdbff ? max - 1 : max;
  return { text: text.slice(0, end), truncated: true };
}

function sourceOut(s: MemorySource): z.infer<typeof SourceOut> {
  // Copy only known fields so the result never carries internal extras.
  return {
    kind: s.kind,
    ...(s.uri !== undefined ? { uri: s.uri } : {}),
    ...(s.range !== undefined ? { range: { ...s.range } } : {}),
    ...(s.language !== undefined ? { language: s.language } : {}),
    ...(s.repo !== undefined ? { repo: s.repo } : {}),
    ...(s.client !== undefined ? { client: s.client } : {}),
    ...(s.clientVersion !== undefined ? { clientVersion: s.clientVersion } : {}),
    ...(s.actor !== undefined ? { actor: s.actor } : {}),
    ...(s.branch !== undefined ? { branch: s.branch } : {}),
    ...(s.commit !== undefined ? { commit: s.commit } : {}),
    ...(s.scope && (s.scope.repo || s.scope.paths)
      ? { scope: { ...(s.scope.repo ? { repo: s.scope.repo } : {}), ...(s.scope.paths ? { paths: [...s.scope.paths] } : {}) } }
      : {}),
  };
}

function anchorOut(a: CodeAnchor): z.infer<typeof AnchorOut> {
  const st = a.status;
  return {
    ...(a.repo ? { repo: a.repo } : {}),
    path: a.path,
    startLine: a.startLine,
    endLine: a.endLine,
    ...(a.commit ? { commit: a.commit } : {}),
    state: st?.state ?? 'fresh',
    ...(st?.reason ? { reason: st.reason } : {}),
    ...(st?.staleSince ? { staleSince: st.staleSince } : {}),
    ...(st?.verifiedAt ? { verifiedAt: st.verifiedAt } : {}),
  };
}

export function memoryOut(m: Memory): MemoryFull {
  return {
    id: m.id,
    space: m.space,
    text: m.text,
    tags: [...m.tags],
    source: sourceOut(m.source),
    version: m.version,
    createdAt: m.createdAt,
    updatedAt: m.updatedAt,
    ...(m.source.anchor ? { anchor: anchorOut(m.source.anchor), ...(isStale(m.source.anchor) ? { stale: true } : {}) } : {}),
  };
}

export function memoryPreview(m: Memory): MemoryPreview {
  const cut = truncate(m.text);
  return { ...memoryOut(m), text: cut.text, truncated: cut.truncated };
}

export function historyEntry(v: MemoryVersion): HistoryEntry {
  const cut = truncate(v.text);
  return { version: v.version, text: cut.text, truncated: cut.truncated, tags: [...v.tags], reason: v.reason, replacedAt: v.replacedAt };
}

/** One line per memory for the readable text block. */
export function describeMemory(m: {
  id: string;
  text: string;
  tags: string[];
  truncated?: boolean | undefined;
  anchor?: z.infer<typeof AnchorOut> | undefined;
}): string {
  const tags = m.tags.length ? ` [tags: ${m.tags.join(', ')}]` : '';
  const more = m.truncated ? ' … (truncated; get_memory has the full text)' : '';
  const a = m.anchor;
  const code = a ? ` [code: ${a.path}:${a.startLine}]` : '';
  const stale =
    a?.state === 'stale'
      ? `\nSTALE: the anchored code (${a.path}:${a.startLine}) was ${a.reason === 'deleted' ? 'deleted' : 'changed'}${a.staleSince ? ` on ${a.staleSince.slice(0, 10)}` : ''}; check the code before relying on this memory.`
      : '';
  return `(${m.id})${tags}${code}\n${m.text}${more}${stale}`;
}

export function nextPageHint(nextCursor: string | undefined): string {
  return nextCursor ? `\nMore results: call again with cursor "${nextCursor}".` : '';
}

const GENERIC_FAILURE = 'Kairos hit an unexpected error and did not complete this call. Try again; if it keeps failing, ask the user to check the Kairos logs.';

/** Maps a failure to a tool result: the agent can act on Kairos errors; anything else stays opaque. */
export function errorResult(err: unknown, tool: string, logger: Logger): CallToolResult {
  if (isKairosError(err) && err.code !== 'internal') {
    const wait = err.retryAfter !== undefined ? ` Retry in ${err.retryAfter} s.` : '';
    return { isError: true, content: [{ type: 'text', text: err.message + wait }] };
  }
  logger.error(`tool ${tool} failed`, { error: err, ...(err instanceof Error && err.stack ? { stack: err.stack } : {}) });
  return { isError: true, content: [{ type: 'text', text: GENERIC_FAILURE }] };
}

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
}

/** What a handler returns: structured data matching the output schema and a readable summary. */
export interface ToolOutcome<O extends z.ZodObject> {
  structured: z.infer<O>;
  text: string;
}

/**
 * Registers a tool whose handler cannot leak an exception: failures become isError results,
 * successes carry both structuredContent and a text block for clients that only show text.
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  deps: ToolDeps,
  name: string,
  spec: ToolSpec<I, O>,
  run: (args: z.infer<I>) => Promise<ToolOutcome<O>>,
): void {
  const handler = async (args: z.infer<I>): Promise<CallToolResult> => {
    try {
      refuseUnsafe(args);
      const out = await run(args);
      return { structuredContent: out.structured as Record<string, unknown>, content: [{ type: 'text', text: out.text }] };
    } catch (err) {
      return errorResult(err, name, deps.logger);
    }
  };
  server.registerTool(
    name,
    { title: spec.title, description: spec.description, inputSchema: spec.input, outputSchema: spec.output, annotations: spec.annotations },
    // The SDK's conditional callback type does not resolve for a generic schema; the shape is the same.
    handler as unknown as Parameters<McpServer['registerTool']>[2],
  );
}
