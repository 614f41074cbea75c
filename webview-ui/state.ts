/**
 * The UI's state and every transition on it: a pure reducer, no DOM, no timers, no I/O.
 * The controller (app.ts) performs requests and feeds their answers back as actions.
 */
import type { Memory, MemoryWithHistory, RememberResult, SimilarMemory } from '../src/core/memory.js';
import type { FileRecallItem, SpaceSearchHit } from '../src/core/memoryService.js';
import { assertNever, type ActiveFile, type ErrorPayload, type SetupReason, type SpaceInfo } from '../src/protocol/messages.js';

/** One row of the list: a recent memory, or a search hit with its score. */
export interface ResultItem {
  memory: Memory;
  score?: number;
  matchedBy?: SpaceSearchHit['matchedBy'];
}

export type Route = { name: 'list' } | { name: 'detail'; id: string; space: string };

export interface MemoryRef {
  id: string;
  space: string;
}

export interface PendingDelete extends MemoryRef {
  memory: Memory;
}

export interface UiState {
  spaces: SpaceInfo[];
  /** Chosen space; undefined means the host's default (personal). */
  space: string | undefined;
  query: string;
  /** The query the shown items answer ('' for the recent list); lags `query` while typing. */
  shownQuery: string;
  /** Number of the newest first-page request; answers to older ones are dropped. */
  seq: number;
  items: ResultItem[];
  nextCursor: string | undefined;
  loading: boolean;
  /** True once the first page for the current query and space has arrived. */
  loaded: boolean;
  selected: number;
  route: Route;
  detail: MemoryWithHistory | undefined;
  editing: boolean;
  /** Version shown expanded in the history list. */
  viewingVersion: number | undefined;
  confirmingDelete: MemoryRef | undefined;
  /** Deleted in the UI, not yet on the server: the undo window is open. */
  pendingDeletes: PendingDelete[];
  captureOpen: boolean;
  /** Why the capture form's last save was refused (shown in the form, the text kept). */
  captureError: ErrorPayload | undefined;
  /** A saved capture the engine found close to an existing memory: Replace it or Keep both. */
  captureSimilar: { result: RememberResult; similar: SimilarMemory } | undefined;
  error: ErrorPayload | undefined;
  notice: string | undefined;
  /** The local engine's state, as the VS Code host reports it (the console has none). */
  engine: 'stopped' | 'starting' | 'running' | 'failed' | undefined;
  /** The active editor's file (VS Code): "For this file" lists its memories when the search is empty. */
  activeFile: ActiveFile | undefined;
  /** The memories for `activeFile` (anchored or scoped to it first, then the repo's recent). */
  fileItems: FileRecallItem[];
  /** Number of the newest "For this file" request; older answers are dropped. */
  fileSeq: number;
  /** The host cannot list memories until the user acts (VS Code remote mode): the view shows what to do. */
  setup: SetupReason | undefined;
}

export type Action =
  | { type: 'spacesLoaded'; spaces: SpaceInfo[] }
  | { type: 'spaceChosen'; space: string }
  | { type: 'queryChanged'; query: string }
  | { type: 'pageRequested'; append: boolean }
  | { type: 'pageLoaded'; seq: number; append: boolean; query: string; items: ResultItem[]; nextCursor: string | undefined }
  | { type: 'pageFailed'; seq: number; error: ErrorPayload }
  | { type: 'selectionMoved'; delta: number }
  | { type: 'selected'; index: number }
  | { type: 'opened'; ref: MemoryRef }
  | { type: 'detailLoaded'; detail: MemoryWithHistory }
  | { type: 'back' }
  | { type: 'editStarted' }
  | { type: 'editEnded' }
  | { type: 'memorySaved'; memory: Memory }
  | { type: 'versionToggled'; version: number }
  | { type: 'deleteRequested'; ref: MemoryRef }
  | { type: 'deleteCancelled' }
  | { type: 'deleteScheduled'; memory: Memory }
  | { type: 'deleteUndone'; id: string }
  | { type: 'deleteCommitted'; id: string }
  | { type: 'captureToggled'; open: boolean }
  | { type: 'captured'; result: RememberResult }
  | { type: 'captureFailed'; error: ErrorPayload }
  | { type: 'similarOffered'; result: RememberResult; similar: SimilarMemory }
  | { type: 'similarReplaced'; removedId: string; memory: Memory }
  | { type: 'similarKept' }
  | { type: 'failed'; error: ErrorPayload }
  | { type: 'errorDismissed' }
  | { type: 'noticeShown'; text: string }
  | { type: 'noticeCleared' }
  | { type: 'engineStatus'; status: NonNullable<UiState['engine']> }
  | { type: 'activeFileChanged'; file: ActiveFile | undefined }
  | { type: 'fileItemsRequested' }
  | { type: 'fileItemsLoaded'; seq: number; items: FileRecallItem[] }
  | { type: 'setupChanged'; reason: SetupReason | undefined };

export function initialState(persisted?: PersistedUi): UiState {
  return {
    spaces: [],
    space: persisted?.space,
    query: persisted?.query ?? '',
    shownQuery: '',
    seq: 0,
    items: [],
    nextCursor: undefined,
    loading: false,
    loaded: false,
    selected: 0,
    route: persisted?.route ?? { name: 'list' },
    detail: undefined,
    editing: false,
    viewingVersion: undefined,
    confirmingDelete: undefined,
    pendingDeletes: [],
    captureOpen: persisted?.captureOpen ?? false,
    captureError: undefined,
    captureSimilar: undefined,
    error: undefined,
    notice: undefined,
    engine: undefined,
    activeFile: undefined,
    fileItems: [],
    fileSeq: 0,
    setup: undefined,
  };
}

/** Whether the next request is a search (the typed query), rather than the recent list. */
export function isSearching(state: UiState): boolean {
  return state.query.trim().length > 0;
}

/** Whether the items on screen are search results (they may answer an older query). */
export function showsSearch(state: UiState): boolean {
  return state.shownQuery.trim().length > 0;
}

/** The rows to show: everything loaded minus memories waiting out their undo window. */
export function visibleItems(state: UiState): ResultItem[] {
  if (state.pendingDeletes.length === 0) return state.items;
  const hidden = new Set(state.pendingDeletes.map((p) => p.id));
  return state.items.filter((i) => !hidden.has(i.memory.id));
}

/** "For this file": shown above the recent list while the search box is empty. */
export function fileSection(state: UiState): FileRecallItem[] | undefined {
  if (!state.activeFile || isSearching(state) || state.route.name !== 'list') return undefined;
  const hidden = new Set(state.pendingDeletes.map((p) => p.id));
  return state.fileItems.filter((i) => !hidden.has(i.memory.id));
}

function replaceFileItem(items: FileRecallItem[], memory: Memory): FileRecallItem[] {
  return items.some((i) => i.memory.id === memory.id)
    ? items.map((i) => (i.memory.id === memory.id && i.memory.space === memory.space ? { ...i, memory } : i))
    : items;
}

/** The row under the keyboard cursor, if any. */
export function selectedItem(state: UiState): ResultItem | undefined {
  return visibleItems(state)[state.selected];
}

function clampSelection(state: UiState): UiState {
  const n = visibleItems(state).length;
  const selected = n === 0 ? 0 : Math.min(Math.max(state.selected, 0), n - 1);
  return selected === state.selected ? state : { ...state, selected };
}

function replaceMemory(items: ResultItem[], memory: Memory): ResultItem[] {
  return items.map((i) => (i.memory.id === memory.id && i.memory.space === memory.space ? { ...i, memory } : i));
}

/** Resets the list for a new query or space; the next page request starts from scratch. */
function resetList(state: UiState): UiState {
  return { ...state, items: [], nextCursor: undefined, loaded: false, selected: 0 };
}

export function reduce(state: UiState, action: Action): UiState {
  switch (action.type) {
    case 'spacesLoaded': {
      const known = action.spaces.some((s) => s.space === state.space);
      const fallback = action.spaces.find((s) => s.kind === 'personal') ?? action.spaces[0];
      return { ...state, spaces: action.spaces, space: known ? state.space : fallback?.space };
    }
    case 'spaceChosen':
      if (action.space === state.space) return state;
      return resetList({ ...state, space: action.space, route: { name: 'list' }, detail: undefined, editing: false });
    case 'queryChanged':
      return action.query === state.query ? state : { ...state, query: action.query };
    case 'pageRequested':
      // The old rows stay until the answer arrives, so typing does not make the list flicker.
      return action.append ? { ...state, loading: true } : { ...state, seq: state.seq + 1, loading: true };
    case 'pageLoaded': {
      if (action.seq !== state.seq) return state;
      const fresh = action.append ? dedupe([...state.items, ...action.items]) : action.items;
      // A background refresh (a memory event) that finds the same page keeps the same array, so the
      // rows are not rebuilt under the pointer: a click landing as they were replaced was lost.
      const items = !action.append && action.query === state.shownQuery && sameItems(state.items, fresh) ? state.items : fresh;
      const selected = action.append || action.query === state.shownQuery ? state.selected : 0;
      return clampSelection({ ...state, items, shownQuery: action.query, selected, nextCursor: action.nextCursor, loading: false, loaded: true });
    }
    case 'pageFailed':
      if (action.seq !== state.seq) return state;
      // While setup is needed every request fails for that reason: the setup panel says it.
      return { ...state, loading: false, loaded: true, error: state.setup ? undefined : action.error };
    case 'selectionMoved':
      return clampSelection({ ...state, selected: state.selected + action.delta });
    case 'selected':
      return clampSelection({ ...state, selected: action.index });
    case 'opened': {
      const index = visibleItems(state).findIndex((i) => i.memory.id === action.ref.id);
      return {
        ...state,
        route: { name: 'detail', ...action.ref },
        selected: index >= 0 ? index : state.selected,
        detail: undefined,
        editing: false,
        viewingVersion: undefined,
        confirmingDelete: undefined,
      };
    }
    case 'detailLoaded':
      if (state.route.name !== 'detail' || state.route.id !== action.detail.id) return state;
      return { ...state, detail: action.detail, items: replaceMemory(state.items, action.detail) };
    case 'back':
      return { ...state, route: { name: 'list' }, detail: undefined, editing: false, viewingVersion: undefined, confirmingDelete: undefined };
    case 'editStarted':
      return state.detail ? { ...state, editing: true } : state;
    case 'editEnded':
      return { ...state, editing: false };
    case 'memorySaved': {
      const detail = state.detail?.id === action.memory.id ? { ...state.detail, ...action.memory, history: state.detail.history } : state.detail;
      return { ...state, detail, editing: false, items: replaceMemory(state.items, action.memory), fileItems: replaceFileItem(state.fileItems, action.memory) };
    }
    case 'versionToggled':
      return { ...state, viewingVersion: state.viewingVersion === action.version ? undefined : action.version };
    case 'deleteRequested':
      return { ...state, confirmingDelete: action.ref };
    case 'deleteCancelled':
      return { ...state, confirmingDelete: undefined };
    case 'deleteScheduled': {
      const { memory } = action;
      const pendingDeletes = [...state.pendingDeletes.filter((p) => p.id !== memory.id), { id: memory.id, space: memory.space, memory }];
      const leaving = state.route.name === 'detail' && state.route.id === memory.id;
      const next: UiState = { ...state, pendingDeletes, confirmingDelete: undefined };
      return clampSelection(leaving ? { ...next, route: { name: 'list' }, detail: undefined, editing: false } : next);
    }
    case 'deleteUndone':
      return { ...state, pendingDeletes: state.pendingDeletes.filter((p) => p.id !== action.id) };
    case 'deleteCommitted':
      return clampSelection({
        ...state,
        pendingDeletes: state.pendingDeletes.filter((p) => p.id !== action.id),
        items: state.items.filter((i) => i.memory.id !== action.id),
        fileItems: state.fileItems.filter((i) => i.memory.id !== action.id),
      });
    case 'captureToggled':
      return action.open ? { ...state, captureOpen: true } : { ...state, captureOpen: false, captureError: undefined, captureSimilar: undefined };
    case 'captured':
      return { ...withCaptured(state, action.result.memory), captureError: undefined };
    case 'captureFailed':
      return { ...state, captureOpen: true, captureError: action.error };
    case 'similarOffered':
      return { ...state, captureOpen: true, captureError: undefined, captureSimilar: { result: action.result, similar: action.similar } };
    case 'similarReplaced': {
      const rest = { ...state, items: state.items.filter((i) => i.memory.id !== action.removedId) };
      return clampSelection({ ...withCaptured(rest, action.memory), captureSimilar: undefined, captureError: undefined });
    }
    case 'similarKept':
      return { ...state, captureSimilar: undefined };
    case 'failed':
      return state.setup ? state : { ...state, error: action.error };
    case 'errorDismissed':
      return { ...state, error: undefined };
    case 'noticeShown':
      return { ...state, notice: action.text };
    case 'noticeCleared':
      return { ...state, notice: undefined };
    case 'engineStatus':
      return { ...state, engine: action.status };
    case 'activeFileChanged': {
      const same = action.file?.path === state.activeFile?.path && action.file?.repo === state.activeFile?.repo;
      if (same) return state;
      return { ...state, activeFile: action.file, fileItems: [] };
    }
    case 'fileItemsRequested':
      return { ...state, fileSeq: state.fileSeq + 1 };
    case 'fileItemsLoaded':
      return action.seq === state.fileSeq ? { ...state, fileItems: action.items } : state;
    case 'setupChanged':
      if (action.reason === state.setup) return state;
      if (!action.reason) return { ...state, setup: undefined };
      // What was listed belongs to the mode just left: never keep showing it under the panel.
      return {
        ...resetList(state),
        setup: action.reason,
        spaces: [],
        fileItems: [],
        route: { name: 'list' },
        detail: undefined,
        editing: false,
        confirmingDelete: undefined,
        error: undefined,
      };
    default:
      return assertNever(action);
  }
}

/** A memory just written from the capture form goes to the top of the recent list it belongs to. */
function withCaptured(state: UiState, memory: Memory): UiState {
  const inView = !showsSearch(state) && (state.space === undefined || state.space === memory.space);
  const others = state.items.filter((i) => i.memory.id !== memory.id);
  return { ...state, items: inView ? [{ memory }, ...others] : replaceMemory(state.items, memory), selected: inView ? 0 : state.selected };
}

function dedupe(items: ResultItem[]): ResultItem[] {
  const seen = new Set<string>();
  return items.filter((i) => {
    const key = `${i.memory.space}/${i.memory.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The sentence for the live region: what the list holds right now. */
export function statusText(state: UiState): string {
  if (state.setup) return '';
  if (!state.loaded && state.engine === 'starting') return 'Starting local engine…';
  if (!state.loaded) return state.loading ? 'Loading…' : '';
  const n = visibleItems(state).length;
  const more = state.nextCursor ? '+' : '';
  if (showsSearch(state)) {
    const q = state.shownQuery.trim();
    return n === 0 ? `No results for “${q}”` : `${n}${more} result${n === 1 && !more ? '' : 's'} for “${q}”`;
  }
  return n === 0 ? 'No memories yet' : `${n}${more} recent memor${n === 1 && !more ? 'y' : 'ies'}`;
}

export interface EmptyState {
  title: string;
  body: string;
}

/** What an empty list says, so the user knows what to do next. */
export function emptyState(state: UiState): EmptyState | undefined {
  if (!state.loaded || state.loading || visibleItems(state).length > 0) return undefined;
  if (showsSearch(state)) {
    return {
      title: 'No matching memories',
      body: 'Try fewer or different words: search matches meaning as well as exact words. Or capture this as a new memory with +.',
    };
  }
  return {
    title: 'No memories yet',
    body: 'Capture one with + above, or let your coding agent remember decisions through the Kairos MCP server. They all show up here.',
  };
}

/** The slice of state worth keeping when the view is hidden or reloaded. */
export interface PersistedUi {
  v: 1;
  query: string;
  space?: string;
  route: Route;
  captureOpen: boolean;
}

export function toPersisted(state: UiState): PersistedUi {
  return {
    v: 1,
    query: state.query,
    ...(state.space ? { space: state.space } : {}),
    route: state.route,
    captureOpen: state.captureOpen,
  };
}

/** Reads back what toPersisted wrote; anything malformed (older builds, tampering) yields nothing. */
export function fromPersisted(raw: unknown): PersistedUi | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  if (r.v !== 1 || typeof r.query !== 'string' || typeof r.captureOpen !== 'boolean') return undefined;
  const space = typeof r.space === 'string' ? r.space : undefined;
  return { v: 1, query: r.query.slice(0, 2000), ...(space ? { space } : {}), route: parseRoute(r.route), captureOpen: r.captureOpen };
}

function parseRoute(raw: unknown): Route {
  if (typeof raw === 'object' && raw !== null) {
    const r = raw as Record<string, unknown>;
    if (r.name === 'detail' && typeof r.id === 'string' && typeof r.space === 'string') {
      return { name: 'detail', id: r.id, space: r.space };
    }
  }
  return { name: 'list' };
}

/** Whether two result pages show the same thing: same memories (every field) in the same order, same match. */
export function sameItems(a: readonly ResultItem[], b: readonly ResultItem[]): boolean {
  return a.length === b.length && a.every((x, i) => JSON.stringify(x) === JSON.stringify(b[i]));
}
