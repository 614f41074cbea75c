/**
 * zod schemas for every request that crosses a boundary (REST, MCP, webview postMessage).
 * Hosts validate with these; the UI only imports the inferred types.
 */
import { z } from 'zod';
import { CODE_LIMITS, SOURCE_CODE_FIELDS } from '../core/code.js';

export { AnchorStatusSchema, CodeAnchorSchema, CodeScopeSchema, ReanchorSchema } from '../core/code.js';
import { LIMITS, SOURCE_KINDS, SPACE_NAME_HINT, SPACE_NAME_PATTERN } from '../core/memory.js';

const trimmed = (field: string, max: number) =>
  z
    .string({ error: `"${field}" must be a string.` })
    .max(max, { error: `"${field}" is longer than ${max} characters.` })
    .refine((s) => s.trim().length > 0, { error: `"${field}" must not be empty.` });

export const SpaceNameSchema = z.string().regex(SPACE_NAME_PATTERN, { error: SPACE_NAME_HINT });

export const MemoryIdSchema = z.string().min(1, { error: '"id" must not be empty.' }).max(128);

const position = z.number().int().min(0).max(LIMITS.maxSourceLine);

export const SourceRangeSchema = z.strictObject({
  startLine: position,
  startCharacter: position.optional(),
  endLine: position,
  endCharacter: position.optional(),
});

const shortText = (max: number) => z.string().min(1).max(max);
/** A memory version from input: capped so no arithmetic on it can overflow an int4 column. */
export const VersionSchema = z
  .number()
  .int()
  .min(1)
  .max(LIMITS.maxVersion, { error: `"version" is at most ${LIMITS.maxVersion}.` });

export const MemorySourceSchema = z.strictObject({
  kind: z.enum(SOURCE_KINDS),
  uri: z.string().max(2048).optional(),
  range: SourceRangeSchema.optional(),
  language: z.string().max(64).optional(),
  repo: z.string().max(512).optional(),
  client: z.string().max(128).optional(),
  ...SOURCE_CODE_FIELDS,
});

/** The caller's repo and open files; search ranks that repo's memories and path matches higher. */
export const SearchContextSchema = z.strictObject({
  repo: shortText(512).optional(),
  paths: z.array(z.string().max(CODE_LIMITS.maxPathChars)).max(CODE_LIMITS.maxPaths).optional(),
});

/** What comparing an anchor with the current code found (core/code.ts checkAnchor). */
export const AnchorCheckSchema = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('fresh') }),
  z.strictObject({
    state: z.literal('moved'),
    path: shortText(CODE_LIMITS.maxPathChars),
    startLine: z.number().int().min(1),
    endLine: z.number().int().min(1),
  }),
  z.strictObject({ state: z.literal('stale'), reason: z.enum(['changed', 'deleted']) }),
]);

export const TagsSchema = z
  .array(z.string().max(LIMITS.maxTagChars, { error: `A tag is at most ${LIMITS.maxTagChars} characters.` }))
  .max(LIMITS.maxTags, { error: `At most ${LIMITS.maxTags} tags.` });

const isoDate = z.iso.datetime({ offset: true, error: 'Use an ISO 8601 timestamp such as 2026-01-31T12:00:00Z.' });

export const MemoryFilterSchema = z.strictObject({
  tags: TagsSchema.optional(),
  sourceKinds: z.array(z.enum(SOURCE_KINDS)).optional(),
  since: isoDate.optional(),
  until: isoDate.optional(),
  repo: shortText(512).optional(),
  /** Memories anchored or scoped to this repo-relative file (or a directory or glob holding it). */
  path: shortText(CODE_LIMITS.maxPathChars).optional(),
  /** true: only memories whose anchored code changed; false: only anchored memories still fresh. */
  stale: z.boolean().optional(),
});

const limit = z
  .number()
  .int()
  .min(1)
  .max(LIMITS.maxPageSize, { error: `"limit" is at most ${LIMITS.maxPageSize}.` });
const cursor = z.string().max(512);

export const RememberParamsSchema = z.strictObject({
  text: trimmed('text', LIMITS.maxTextChars),
  tags: TagsSchema.optional(),
  source: MemorySourceSchema.optional(),
  space: SpaceNameSchema.optional(),
  supersedes: MemoryIdSchema.optional(),
});

export const SearchParamsSchema = z.strictObject({
  query: trimmed('query', LIMITS.maxQueryChars),
  spaces: z.array(SpaceNameSchema).max(20).optional(),
  filter: MemoryFilterSchema.optional(),
  context: SearchContextSchema.optional(),
  repoOnly: z.boolean().optional(),
  limit: limit.optional(),
  cursor: cursor.optional(),
});

export const FileRecallParamsSchema = z.strictObject({
  path: shortText(CODE_LIMITS.maxPathChars),
  repo: shortText(512).optional(),
  space: SpaceNameSchema.optional(),
  limit: limit.optional(),
});

export const ListParamsSchema = z.strictObject({
  space: SpaceNameSchema.optional(),
  filter: MemoryFilterSchema.optional(),
  limit: limit.optional(),
  cursor: cursor.optional(),
});

export const GetParamsSchema = z.strictObject({ id: MemoryIdSchema, space: SpaceNameSchema.optional() });

export const UpdatePatchSchema = z
  .strictObject({
    text: trimmed('text', LIMITS.maxTextChars).optional(),
    tags: TagsSchema.optional(),
    source: MemorySourceSchema.optional(),
  })
  .refine((p) => p.text !== undefined || p.tags !== undefined || p.source !== undefined, {
    error: 'Nothing to update: pass "text", "tags" or "source".',
  });

export const UpdateParamsSchema = z.strictObject({
  id: MemoryIdSchema,
  space: SpaceNameSchema.optional(),
  patch: UpdatePatchSchema,
});

export const RestoreParamsSchema = z.strictObject({
  id: MemoryIdSchema,
  version: VersionSchema,
  space: SpaceNameSchema.optional(),
});

export const DeleteParamsSchema = GetParamsSchema;

export const PendingDeletesParamsSchema = z.strictObject({
  refs: z.array(z.strictObject({ id: MemoryIdSchema, space: SpaceNameSchema })).max(200, { error: 'At most 200 pending deletes.' }),
});

export const ImportFormatSchema = z.enum(['jsonl', 'mcp-memory']);

export const ImportParamsSchema = z.strictObject({
  format: ImportFormatSchema,
  /** Whole file content (UI hosts); REST streams the body instead. */
  content: z.string().max(50 * 1024 * 1024),
  space: SpaceNameSchema.optional(),
});

export const ExportParamsSchema = z.strictObject({ space: SpaceNameSchema.optional() });

export type RememberParams = z.infer<typeof RememberParamsSchema>;
export type SearchParams = z.infer<typeof SearchParamsSchema>;
export type ListParams = z.infer<typeof ListParamsSchema>;
export type GetParams = z.infer<typeof GetParamsSchema>;
export type FileRecallParams = z.infer<typeof FileRecallParamsSchema>;
export type UpdateParams = z.infer<typeof UpdateParamsSchema>;
export type RestoreParams = z.infer<typeof RestoreParamsSchema>;
export type DeleteParams = z.infer<typeof DeleteParamsSchema>;
export type PendingDeletesParams = z.infer<typeof PendingDeletesParamsSchema>;
export type ImportParams = z.infer<typeof ImportParamsSchema>;
export type ExportParams = z.infer<typeof ExportParamsSchema>;
export type ImportFormat = z.infer<typeof ImportFormatSchema>;

export { describeZodError } from './zodError.js';
