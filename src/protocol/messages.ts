/**
 * The one typed protocol between the memory UI and its hosts (VS Code webview via postMessage,
 * web console via HTTP). Both sides import this file; it imports no runtime code.
 */
import type { Memory, MemoryWithHistory, Page, RememberResult } from '../core/memory.js';
import type { FileRecallItem, ImportSummary, SpaceSearchHit } from '../core/memoryService.js';
import type { EmbedderInfo } from '../core/ports.js';
import type { SpaceGrant, TenantContext } from '../core/tenancy.js';
import type {
  DeleteParams,
  ExportParams,
  FileRecallParams,
  GetParams,
  ImportParams,
  ListParams,
  PendingDeletesParams,
  RememberParams,
  RestoreParams,
  SearchParams,
  UpdateParams,
} from './schemas.js';

export interface SpaceInfo extends SpaceGrant {
  count: number;
}

export interface SettingsView {
  mode: 'local' | 'remote';
  /** Absent where the user has no embedder yet (service mode before an embedding key is saved). */
  embedder?: EmbedderInfo;
  /** Provider + last four characters of a stored key, never the key itself. */
  keyHint?: string;
  account?: { id: string; label: string; provider: string };
}

export interface SettingsUpdate {
  embedder?: { provider: string; model?: string | undefined; endpoint?: string | undefined; deployment?: string | undefined } | undefined;
}

/** Reads and changes the host's settings (local mode: the embedder choice). */
export interface SettingsController {
  /** The settings as the request's tenant sees them. */
  get(ctx: TenantContext): SettingsView;
  update(update: SettingsUpdate): Promise<SettingsView>;
}

export type PendingDeletesParamsRefs = PendingDeletesParams['refs'];

export interface OpenSourceParams {
  uri: string;
  range?: { startLine: number; startCharacter?: number | undefined; endLine: number; endCharacter?: number | undefined } | undefined;
}

/** Every request the UI can make: params in, result out. */
export interface RequestMap {
  search: { params: SearchParams; result: Page<SpaceSearchHit> };
  list: { params: ListParams; result: Page<Memory> };
  get: { params: GetParams; result: MemoryWithHistory };
  create: { params: RememberParams; result: RememberResult };
  update: { params: UpdateParams; result: Memory };
  restore: { params: RestoreParams; result: Memory };
  delete: { params: DeleteParams; result: { id: string; space: string } };
  export: { params: ExportParams; result: { filename: string; jsonl: string } | { savedTo: string } };
  import: { params: ImportParams; result: ImportSummary };
  spaces: { params: Record<string, never>; result: SpaceInfo[] };
  'settings.get': { params: Record<string, never>; result: SettingsView };
  'settings.set': { params: SettingsUpdate; result: SettingsView };
  /**
   * Deletes waiting out their undo window in the UI. The host commits them if the UI goes away
   * first (VS Code: the view is hidden or closed; console: the page is left), so a delete the
   * user saw happen is never lost with the view. Each call replaces the previous list.
   */
  pendingDeletes: { params: PendingDeletesParams; result: { held: number } };
  /** Hosts that can open files (VS Code) jump to the source; others reject with `unsupported`. */
  openSource: { params: OpenSourceParams; result: { opened: boolean } };
  /** "For this file": memories anchored or scoped to a repo-relative file, then the repo's recent. */
  forFile: { params: FileRecallParams; result: { items: FileRecallItem[] } };
  /** "Still true": clears a stale mark (the VS Code host records the checkout's HEAD commit). */
  verify: { params: GetParams; result: Memory };
  /** "Re-anchor to current code": hosts that read the code (VS Code) point the anchor at it now. */
  reanchor: { params: GetParams; result: Memory };
  /** "Show change": hosts that read the code (VS Code) open a diff of the anchored lines then/now. */
  showChange: { params: GetParams; result: { opened: boolean } };
  /** The setup panel's buttons (VS Code): open the server URL setting, sign in, or go back to local mode. */
  setupAction: { params: { action: SetupAction }; result: { started: boolean } };
}

/** Why the view cannot list memories until the user acts (VS Code remote mode). */
export type SetupReason = 'no-server-url' | 'signed-out';
export type SetupAction = 'setServerUrl' | 'signIn' | 'useLocal';

/** The file in the active editor, as "For this file" asks about it. */
export interface ActiveFile {
  path: string;
  repo: string;
}

export type RequestType = keyof RequestMap;

export type RequestMessage = {
  [K in RequestType]: { kind: 'request'; requestId: string; type: K; params: RequestMap[K]['params'] };
}[RequestType];

export interface ErrorPayload {
  code: string;
  message: string;
}

export type ResponseMessage =
  { kind: 'response'; requestId: string; ok: true; result: unknown } | { kind: 'response'; requestId: string; ok: false; error: ErrorPayload };

export type HostEvent =
  | { type: 'memoryChanged'; id?: string; space?: string; change: 'created' | 'updated' | 'deleted' | 'imported' }
  | { type: 'authChanged'; signedIn: boolean; account?: { label: string; provider: string } }
  | { type: 'embedderChanged'; embedder: EmbedderInfo }
  | { type: 'engineStatus'; status: 'stopped' | 'starting' | 'running' | 'failed' }
  | { type: 'focusSearch' }
  | { type: 'showMemory'; id: string; space?: string }
  /** The active editor changed (VS Code): `file` is absent when it shows no file of a workspace. */
  | { type: 'activeFile'; file?: ActiveFile }
  /** Remote mode without a server URL or signed out: the view shows what to do instead of a list; no reason clears it. */
  | { type: 'setupNeeded'; reason?: SetupReason };

export type EventMessage = { kind: 'event'; event: HostEvent };

/** The UI announces it is ready; the host replies with state it should restore. */
export type ReadyMessage = { kind: 'ready' };

export type UiToHost = RequestMessage | ReadyMessage;
export type HostToUi = ResponseMessage | EventMessage;

/** What the UI's code talks to; one implementation per host. */
export interface Bridge {
  request<K extends RequestType>(type: K, params: RequestMap[K]['params']): Promise<RequestMap[K]['result']>;
  onEvent(listener: (event: HostEvent) => void): () => void;
  readonly host: 'vscode' | 'console';
}

export class BridgeError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'BridgeError';
  }
}

export function assertNever(x: never): never {
  throw new Error(`Unexpected value: ${JSON.stringify(x)}`);
}
