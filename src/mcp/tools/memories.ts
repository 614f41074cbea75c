/** MCP tools that write or read single memories: remember, get_memory, update_memory, forget. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { MemorySource } from '../../core/memory.js';
import { CodeScopeSchema, MemoryIdSchema, MemorySourceSchema, ReanchorSchema, RememberParamsSchema, TagsSchema } from '../../protocol/schemas.js';
import {
  defineTool,
  historyEntry,
  HistoryEntryOut,
  MCP_LIMITS,
  MemoryOut,
  memoryOut,
  memoryPreview,
  MemoryPreviewOut,
  spaceParam,
  truncate,
  type ToolDeps,
} from './shared.js';

const textParam = RememberParamsSchema.shape.text;
const idParam = MemoryIdSchema.describe('Memory id, as returned by remember, search or list_memories.');
const tagsParam = TagsSchema.describe('Short lowercase labels, e.g. ["build", "auth"]. Up to 32, each up to 64 characters.');

// The agent says what the memory is about; who wrote it (kind, client, actor) is set by the server.
const sourceParam = MemorySourceSchema.omit({ kind: true, client: true, clientVersion: true, actor: true, scope: true, anchor: true }).describe(
  'Where the fact comes from, when it concerns code: file or web uri, line range, language, repo, branch, commit.',
);

const scopeParam = z
  .strictObject({ repo: CodeScopeSchema.shape.repo, paths: CodeScopeSchema.shape.paths })
  .describe(
    'What the memory is about, so searches from that repo or those files rank it first: repo (a remote URL or host/owner/name) and ' +
      'repo-relative paths ("src/auth.ts", a directory "src/server/", "src/**", "**/*.sql"). Default: the current workspace repo when ' +
      'the editor set one; pass {} for a memory about the user rather than a repo.',
  );

const anchorParam = ReanchorSchema.describe(
  'The exact code this memory is about: repo-relative path, 1-based line range and those lines verbatim (commit optional). ' +
    'The editor re-checks it and marks the memory stale when the code changes.',
);

function agentSource(
  deps: ToolDeps,
  args: { source?: z.infer<typeof sourceParam> | undefined; scope?: z.infer<typeof scopeParam> | undefined; anchor?: z.infer<typeof anchorParam> | undefined },
): MemorySource {
  const client = deps.clientInfo();
  const repo = args.anchor?.repo ?? deps.defaultRepo;
  const scope = args.scope ?? (repo ? { repo } : undefined);
  return {
    ...args.source,
    kind: 'agent',
    actor: 'agent',
    ...(client ? { client: client.name.slice(0, 128), ...(client.version ? { clientVersion: client.version.slice(0, 64) } : {}) } : {}),
    ...(args.source?.repo === undefined && deps.defaultRepo ? { repo: deps.defaultRepo } : {}),
    ...(scope ? { scope } : {}),
    ...(args.anchor ? { anchor: { ...args.anchor, ...(repo ? { repo } : {}) } } : {}),
  };
}

const RememberInput = z.strictObject({
  text: textParam.describe('The fact to keep, self-contained (name the project, file or tool it concerns). One fact per memory. Never secrets.'),
  tags: tagsParam.optional(),
  supersedes: idParam.describe('Id of a memory this text replaces. It keeps its id, its version goes up, and the old text stays in its history.').optional(),
  source: sourceParam.optional(),
  scope: scopeParam.optional(),
  anchor: anchorParam.optional(),
  space: spaceParam.optional(),
});

const SimilarOut = z.object({
  id: z.string(),
  text: z.string().describe("The similar memory's text (a preview when long)."),
  similarity: z.number().describe('Cosine similarity to the new text, 0–1.'),
  updatedAt: z.string(),
});

const RememberOutput = z.object({
  outcome: z
    .enum(['created', 'duplicate', 'superseded'])
    .describe(
      'created: new memory. duplicate: the same text (ignoring case, spacing and punctuation) was already stored, nothing changed. ' +
        'superseded: the memory named in `supersedes` now has this text.',
    ),
  // The caller just sent the text: echo at most a preview of it.
  memory: MemoryPreviewOut,
  supersededId: z.string().optional().describe('For superseded: the id whose previous text moved to history (the same id is kept).'),
  similar: z
    .array(SimilarOut)
    .optional()
    .describe(
      'For created: existing memories close in meaning, most similar first. Nothing was replaced. If one of them states an older ' +
        'version of this fact, call update_memory on it (or remember with `supersedes`) and forget the new one.',
    ),
});

const GetInput = z.strictObject({ id: idParam, space: spaceParam.optional() });

const GetOutput = z.object({
  memory: MemoryOut,
  history: z.array(HistoryEntryOut).describe(`Earlier versions, newest first; at most ${MCP_LIMITS.maxHistory}.`),
  historyTotal: z.number().describe('How many earlier versions exist in all.'),
  note: z.string().optional(),
});

const UpdateInput = z.strictObject({
  id: idParam,
  text: textParam.describe('New text; the current text moves to history.').optional(),
  tags: tagsParam.describe('New tags; they replace the current tags.').optional(),
  space: spaceParam.optional(),
});

const UpdateOutput = z.object({ memory: MemoryPreviewOut, previousVersion: z.number() });

const ForgetInput = z.strictObject({ id: idParam, space: spaceParam.optional() });

const ForgetOutput = z.object({ id: z.string(), space: z.string(), forgotten: z.literal(true) });

/** Registers remember, get_memory, update_memory and forget. */
export function registerMemoryTools(server: McpServer, deps: ToolDeps): void {
  const { service } = deps;

  defineTool(
    server,
    deps,
    'remember',
    {
      title: 'Remember a fact',
      description:
        "Save one durable fact to the user's long-term memory so that later sessions, in any editor or agent, can recall it: " +
        'a decision and its reason, a project convention, a preference, how to build or test, a fix that was hard to find. ' +
        'Write it self-contained, one fact per call, and never store secrets or short-lived state.\n' +
        'Returns `outcome`: "created" (new memory and id, plus `similar`: existing memories close in meaning, if any); ' +
        '"duplicate" (the same text, ignoring case, spacing and punctuation, is already stored: nothing changes and the existing ' +
        'memory is returned, so retrying is safe); or "superseded" (the memory named in `supersedes` now has this text: the id ' +
        'stays, the version goes up and the old text is kept in its history, which get_memory shows). A memory is never ' +
        'replaced unless you name it. Check `similar`: when one of them is an older version of this fact, update that one ' +
        '(update_memory, or remember with `supersedes`) instead of keeping two contradicting memories.',
      input: RememberInput,
      output: RememberOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const result = await service.remember({
        text: args.text,
        source: agentSource(deps, args),
        ...(args.tags ? { tags: args.tags } : {}),
        ...(args.supersedes ? { supersedes: args.supersedes } : {}),
        ...(args.space ? { space: args.space } : {}),
      });
      const memory = memoryPreview(result.memory);
      const similar = result.similar?.map((m) => ({ ...m, text: truncate(m.text).text }));
      const text =
        result.outcome === 'created'
          ? `Remembered as ${memory.id}.` +
            (similar?.length
              ? ` Similar memories: ${similar.map((m) => `${m.id} (${m.similarity.toFixed(2)})`).join(', ')}; if one states an older version of this fact, update it instead.`
              : '')
          : result.outcome === 'duplicate'
            ? `Already remembered as ${memory.id} (exact duplicate); nothing changed.`
            : `Superseded memory ${memory.id}: now version ${memory.version}; the previous text is kept in its history (see get_memory).`;
      return {
        structured: {
          outcome: result.outcome,
          memory,
          ...(result.supersededId ? { supersededId: result.supersededId } : {}),
          ...(similar?.length ? { similar } : {}),
        },
        text,
      };
    },
  );

  defineTool(
    server,
    deps,
    'get_memory',
    {
      title: 'Read a memory in full',
      description:
        'Read one memory by id: its complete text, tags, source and version, plus its earlier versions (newest first, at most ' +
        `${MCP_LIMITS.maxHistory}, each text cut at ${MCP_LIMITS.previewChars} characters). Use it when a search or list result ` +
        'says truncated, or to see how a fact changed over time.',
      input: GetInput,
      output: GetOutput,
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const found = await service.get(args.id, args.space);
      const all = [...found.history].sort((a, b) => b.version - a.version);
      const history = all.slice(0, MCP_LIMITS.maxHistory).map(historyEntry);
      const note =
        all.length > history.length
          ? `Showing the ${history.length} most recent of ${all.length} earlier versions; older ones are kept but not shown here.`
          : undefined;
      const memory = memoryOut(found);
      const lines = [
        `Memory ${memory.id} (version ${memory.version}, updated ${memory.updatedAt}${memory.tags.length ? `, tags: ${memory.tags.join(', ')}` : ''}):`,
        memory.text,
      ];
      if (history.length) {
        lines.push('', `Earlier versions (${all.length}):`);
        for (const h of history) lines.push(`v${h.version} (${h.reason}, replaced ${h.replacedAt}): ${h.text}${h.truncated ? ' …' : ''}`);
      }
      if (note) lines.push(note);
      return { structured: { memory, history, historyTotal: all.length, ...(note ? { note } : {}) }, text: lines.join('\n') };
    },
  );

  defineTool(
    server,
    deps,
    'update_memory',
    {
      title: 'Update a memory',
      description:
        "Change a memory's text and/or tags in place, by id. The current version is kept in its history (get_memory shows it) " +
        'and the version number goes up. Tags you pass replace the current tags. Fails with a conflict if another memory ' +
        'already has exactly the new text (update or forget that one instead). Use it for corrections and re-tagging; when a ' +
        'new fact replaces an old one, remember with `supersedes` does the same and reads better.',
      input: UpdateInput,
      output: UpdateOutput,
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    async (args) => {
      const patch = { ...(args.text !== undefined ? { text: args.text } : {}), ...(args.tags !== undefined ? { tags: args.tags } : {}) };
      const updated = await service.update(args.id, patch, args.space);
      const memory = memoryPreview(updated);
      return {
        structured: { memory, previousVersion: updated.version - 1 },
        text: `Updated memory ${memory.id} to version ${memory.version}; version ${updated.version - 1} is kept in its history.`,
      };
    },
  );

  defineTool(
    server,
    deps,
    'forget',
    {
      title: 'Forget a memory',
      description:
        'Permanently delete a memory and all of its history, by id. Use it when the user asks to forget something, or a memory ' +
        'is wrong and should not survive even as history. To replace an outdated fact while keeping its history, use ' +
        'update_memory or remember with `supersedes` instead. This cannot be undone.',
      input: ForgetInput,
      output: ForgetOutput,
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    async (args) => {
      const gone = await service.forget(args.id, args.space);
      return { structured: { id: gone.id, space: gone.space, forgotten: true as const }, text: `Forgot memory ${gone.id} and its history.` };
    },
  );
}
