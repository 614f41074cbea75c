/**
 * Host side of the webview protocol (src/protocol/messages.ts): validates every message with
 * zod (the webview is untrusted input like any other), routes requests to the REST client and
 * answers `{ ok, result } | { ok: false, error }` with the same requestId.
 */
import { z } from 'zod';
import type { HostEvent, OpenSourceParams, RequestMap, RequestType, ResponseMessage, SettingsUpdate, SettingsView, SetupAction } from '../protocol/messages.js';
import { EMBEDDING_PROVIDERS } from '../protocol/embedders.js';
import { assertNever } from '../protocol/messages.js';
import {
  DeleteParamsSchema,
  describeZodError,
  ExportParamsSchema,
  FileRecallParamsSchema,
  GetParamsSchema,
  ImportParamsSchema,
  ListParamsSchema,
  PendingDeletesParamsSchema,
  RememberParamsSchema,
  RestoreParamsSchema,
  SearchParamsSchema,
  SourceRangeSchema,
  UpdateParamsSchema,
} from '../protocol/schemas.js';
import type { AnchorActions } from './anchorActions.js';
import type { KairosClient } from './client.js';

const Empty = z.strictObject({});

export const SettingsUpdateSchema = z.strictObject({
  embedder: z
    .strictObject({
      provider: z.enum(EMBEDDING_PROVIDERS),
      model: z.string().max(256).optional(),
      endpoint: z.string().max(2048).optional(),
      deployment: z.string().max(256).optional(),
    })
    .optional(),
});

/** Schemes a memory's source may open: files and remote/virtual workspaces, never `command:`. */
export const OPENABLE_SCHEMES = ['file', 'vscode-remote', 'vscode-vfs', 'untitled'] as const;

export const OpenSourceParamsSchema = z.strictObject({
  uri: z
    .string()
    .max(2048)
    .refine((u) => OPENABLE_SCHEMES.some((s) => u.startsWith(`${s}:`)), { error: 'Only file and workspace URIs can be opened.' }),
  range: SourceRangeSchema.optional(),
});

export const SetupActionParamsSchema = z.strictObject({ action: z.enum(['setServerUrl', 'signIn', 'useLocal']) });

const PARAMS: { [K in RequestType]: z.ZodType<RequestMap[K]['params']> } = {
  search: SearchParamsSchema,
  list: ListParamsSchema,
  get: GetParamsSchema,
  create: RememberParamsSchema,
  update: UpdateParamsSchema,
  restore: RestoreParamsSchema,
  delete: DeleteParamsSchema,
  export: ExportParamsSchema,
  import: ImportParamsSchema,
  spaces: Empty as z.ZodType<Record<string, never>>,
  'settings.get': Empty as z.ZodType<Record<string, never>>,
  'settings.set': SettingsUpdateSchema as z.ZodType<SettingsUpdate>,
  pendingDeletes: PendingDeletesParamsSchema,
  openSource: OpenSourceParamsSchema,
  forFile: FileRecallParamsSchema,
  verify: GetParamsSchema,
  reanchor: GetParamsSchema,
  showChange: GetParamsSchema,
  setupAction: SetupActionParamsSchema,
};

const REQUEST_TYPES = Object.keys(PARAMS) as [RequestType, ...RequestType[]];

const EnvelopeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('ready') }),
  z.strictObject({
    kind: z.literal('request'),
    requestId: z.string().min(1).max(128),
    type: z.enum(REQUEST_TYPES),
    params: z.unknown(),
  }),
]);

export interface RouterDeps {
  client: KairosClient;
  openSource(p: OpenSourceParams): Promise<{ opened: boolean }>;
  settingsView(): Promise<SettingsView>;
  updateSettings(u: SettingsUpdate): Promise<SettingsView>;
  /** Saves an export where the user chooses; undefined when they cancel. */
  saveExport(jsonl: string, space?: string): Promise<string | undefined>;
  /** Default result count when the UI gives none (kairos.search.limit). */
  searchLimit(): number;
  /** Keeps the UI's pending deletes, to commit them if the view goes away first. */
  holdDeletes(refs: RequestMap['pendingDeletes']['params']['refs']): void;
  /** Tells every view (and the status bar) what changed. */
  emit(event: HostEvent): void;
  /** Actions on an anchored memory that read the code of this window's checkouts. */
  anchors: AnchorActions;
  /** The setup panel's buttons: open the server URL setting, sign in, or switch to local mode. */
  setupAction(action: SetupAction): Promise<{ started: boolean }>;
}

export type RouteOutcome = { kind: 'ready' } | { kind: 'response'; message: ResponseMessage } | { kind: 'ignored'; reason: string };

function errorPayload(e: unknown): { code: string; message: string } {
  if (e instanceof z.ZodError) return { code: 'invalid_input', message: describeZodError(e) };
  const code = typeof (e as { code?: unknown })?.code === 'string' ? (e as { code: string }).code : 'internal';
  return { code, message: e instanceof Error ? e.message : String(e) };
}

/** Handles one message from the webview. Malformed envelopes are ignored (no requestId to answer). */
export async function routeMessage(raw: unknown, deps: RouterDeps): Promise<RouteOutcome> {
  const env = EnvelopeSchema.safeParse(raw);
  if (!env.success) {
    const requestId = (raw as { requestId?: unknown })?.requestId;
    if (typeof requestId === 'string' && requestId.length > 0 && requestId.length <= 128) {
      return { kind: 'response', message: { kind: 'response', requestId, ok: false, error: { code: 'invalid_input', message: describeZodError(env.error) } } };
    }
    return { kind: 'ignored', reason: describeZodError(env.error) };
  }
  if (env.data.kind === 'ready') return { kind: 'ready' };
  const { requestId, type } = env.data;
  const params = PARAMS[type].safeParse(env.data.params ?? {});
  if (!params.success) {
    return { kind: 'response', message: { kind: 'response', requestId, ok: false, error: { code: 'invalid_input', message: describeZodError(params.error) } } };
  }
  try {
    const result = await dispatch(type, params.data, deps);
    return { kind: 'response', message: { kind: 'response', requestId, ok: true, result } };
  } catch (e) {
    return { kind: 'response', message: { kind: 'response', requestId, ok: false, error: errorPayload(e) } };
  }
}

async function dispatch(type: RequestType, params: unknown, deps: RouterDeps): Promise<unknown> {
  const { client } = deps;
  switch (type) {
    case 'search': {
      const p = params as RequestMap['search']['params'];
      return client.search({ ...p, limit: p.limit ?? deps.searchLimit() });
    }
    case 'list':
      return client.list(params as RequestMap['list']['params']);
    case 'get':
      return client.get(params as RequestMap['get']['params']);
    case 'create': {
      const r = await client.create(params as RequestMap['create']['params']);
      deps.emit({ type: 'memoryChanged', id: r.memory.id, space: r.memory.space, change: r.outcome === 'created' ? 'created' : 'updated' });
      return r;
    }
    case 'update': {
      const m = await client.update(params as RequestMap['update']['params']);
      deps.emit({ type: 'memoryChanged', id: m.id, space: m.space, change: 'updated' });
      return m;
    }
    case 'restore': {
      const m = await client.restore(params as RequestMap['restore']['params']);
      deps.emit({ type: 'memoryChanged', id: m.id, space: m.space, change: 'updated' });
      return m;
    }
    case 'delete': {
      const r = await client.delete(params as RequestMap['delete']['params']);
      deps.emit({ type: 'memoryChanged', id: r.id, space: r.space, change: 'deleted' });
      return r;
    }
    case 'export': {
      const p = params as RequestMap['export']['params'];
      const jsonl = await client.exportJsonl(p);
      const savedTo = await deps.saveExport(jsonl, p.space);
      if (!savedTo) throw Object.assign(new Error('Export cancelled.'), { code: 'cancelled' });
      return { savedTo };
    }
    case 'import': {
      const p = params as RequestMap['import']['params'];
      const summary = await client.import(p.content, p.format, p.space);
      deps.emit({ type: 'memoryChanged', ...(p.space ? { space: p.space } : {}), change: 'imported' });
      return summary;
    }
    case 'spaces':
      return client.spaces();
    case 'settings.get':
      return deps.settingsView();
    case 'settings.set':
      return deps.updateSettings(params as SettingsUpdate);
    case 'pendingDeletes': {
      const { refs } = params as RequestMap['pendingDeletes']['params'];
      deps.holdDeletes(refs);
      return { held: refs.length };
    }
    case 'openSource':
      return deps.openSource(params as OpenSourceParams);
    case 'forFile':
      return client.forFile(params as RequestMap['forFile']['params']);
    case 'verify':
    case 'reanchor': {
      const ref = params as RequestMap['verify']['params'];
      const m = await (type === 'verify' ? deps.anchors.verify(ref) : deps.anchors.reanchor(ref));
      deps.emit({ type: 'memoryChanged', id: m.id, space: m.space, change: 'updated' });
      return m;
    }
    case 'showChange':
      return deps.anchors.showChange(params as RequestMap['showChange']['params']);
    case 'setupAction':
      return deps.setupAction((params as RequestMap['setupAction']['params']).action);
    default:
      return assertNever(type);
  }
}
