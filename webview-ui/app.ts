/**
 * The controller: owns the state, performs bridge requests, renders regions that changed and
 * routes keyboard commands. It only sees the Bridge interface, never which host it runs on.
 */
import type { Memory } from '../src/core/memory.js';
import { assertNever, BridgeError, type Bridge, type ErrorPayload, type HostEvent, type SetupAction } from '../src/protocol/messages.js';
import { replaceSimilar } from '../src/protocol/replace.js';
import { parseTags, positionIn, snippet } from './format.js';
import { keyCommand, type KeyCommand } from './keys.js';
import type { UiStateStore } from './persist.js';
import * as req from './requests.js';
import {
  fromPersisted,
  initialState,
  reduce,
  selectedItem,
  showsSearch,
  statusText,
  toPersisted,
  visibleItems,
  type Action,
  type MemoryRef,
  type UiState,
} from './state.js';
import { Debouncer, DelayedActions, realTimers, type Timers } from './timers.js';
import { registerToolkit, setValue, valueOf } from './toolkit.js';
import { buildChrome, renderBanner, renderCaptureNote, renderConfirm, renderSpaces, renderToast, type Chrome } from './views/chrome.js';
import { renderDetail } from './views/detail.js';
import { renderList, rowId, sentinel } from './views/list.js';
import { renderSetup } from './views/setup.js';

export interface AppOptions {
  bridge: Bridge;
  store: UiStateStore;
  root: HTMLElement;
  now?: () => Date;
  timers?: Timers;
  /** How long a delete can be undone before the request is sent. */
  undoMs?: number;
  searchDebounceMs?: number;
}

const PAGE = 20;
const NOTICE_MS = 3500;

function errorPayload(e: unknown): ErrorPayload {
  if (e instanceof BridgeError) return { code: e.code, message: e.message };
  return { code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

function isTextInput(node: EventTarget | null): boolean {
  return node instanceof Element && node.closest('vscode-text-field, vscode-text-area, input, textarea') !== null;
}

export class App {
  private state: UiState;
  private prev: UiState | undefined;
  private readonly chrome: Chrome;
  private readonly now: () => Date;
  private readonly bridge: Bridge;
  private readonly store: UiStateStore;
  private readonly debounce: Debouncer<string>;
  private readonly refresh: Debouncer<void>;
  private readonly deletes: DelayedActions;
  private readonly timers: Timers;
  private readonly disposers: Array<() => void> = [];
  private observer: IntersectionObserver | undefined;
  private noticeTimer: unknown;
  private renderQueued = false;
  private savedJson = '';
  /** Where focus goes back to when the delete confirmation closes. */
  private confirmReturn: HTMLElement | undefined;

  constructor(o: AppOptions) {
    this.bridge = o.bridge;
    this.store = o.store;
    this.now = o.now ?? (() => new Date());
    this.timers = o.timers ?? realTimers;
    this.debounce = new Debouncer(o.searchDebounceMs ?? 180, () => void this.loadFirstPage(), this.timers);
    // Short: a change from another client should show within a second, bursts still coalesce.
    this.refresh = new Debouncer(100, () => void this.loadFirstPage(), this.timers);
    this.deletes = new DelayedActions(o.undoMs ?? 5000, this.timers);
    this.state = initialState(fromPersisted(this.store.load()));

    registerToolkit();
    this.chrome = buildChrome(
      {
        search: (q) => this.onQuery(q),
        toggleCapture: () => this.toggleCapture(),
        capture: () => void this.capture(),
        dismissError: () => this.dispatch({ type: 'errorDismissed' }),
      },
      { accountLink: this.bridge.host === 'console' && document.body.dataset.accountPage === '1' },
    );
    o.root.append(this.chrome.root);
    if (this.state.query) setValue(this.chrome.search, this.state.query);

    const onKey = (e: KeyboardEvent): void => this.onKey(e);
    document.addEventListener('keydown', onKey);
    this.disposers.push(() => document.removeEventListener('keydown', onKey));
    // Focusing the view (its title, Ctrl+0-style commands) focuses the page: typing should search.
    const onFocus = (): void => {
      if (!document.activeElement || document.activeElement === document.body) this.chrome.search.focus();
    };
    window.addEventListener('focus', onFocus);
    this.disposers.push(() => window.removeEventListener('focus', onFocus));
    this.disposers.push(this.bridge.onEvent((e) => this.onHostEvent(e)));
    if (typeof IntersectionObserver !== 'undefined') {
      this.observer = new IntersectionObserver((entries) => {
        if (entries.some((en) => en.isIntersecting)) void this.loadMore();
      });
    }
  }

  /** Loads spaces, then the first page (and the memory that was open before a reload). */
  async start(): Promise<void> {
    this.render();
    if (document.hasFocus() && document.activeElement === document.body) this.chrome.search.focus();
    try {
      this.dispatch({ type: 'spacesLoaded', spaces: await req.spaces(this.bridge) });
    } catch (e) {
      this.fail(e);
    }
    const route = this.state.route;
    await Promise.all([this.loadFirstPage(), route.name === 'detail' ? this.loadDetail(route) : undefined]);
  }

  dispose(): void {
    for (const d of this.disposers.splice(0)) d();
    this.observer?.disconnect();
    this.debounce.cancel();
    this.refresh.cancel();
  }

  private dispatch(action: Action): void {
    this.state = reduce(this.state, action);
    if (!this.renderQueued) {
      this.renderQueued = true;
      queueMicrotask(() => {
        this.renderQueued = false;
        this.render();
      });
    }
  }

  private fail(e: unknown): void {
    this.dispatch({ type: 'failed', error: errorPayload(e) });
    // The control that failed may be gone with the view it was on: never leave focus nowhere.
    queueMicrotask(() => {
      if (!document.activeElement || document.activeElement === document.body) this.focusSelected();
    });
  }

  private notice(text: string): void {
    this.dispatch({ type: 'noticeShown', text });
    if (this.noticeTimer !== undefined) this.timers.clearTimeout(this.noticeTimer);
    this.noticeTimer = this.timers.setTimeout(() => this.dispatch({ type: 'noticeCleared' }), NOTICE_MS);
  }

  // ---- data -------------------------------------------------------------------------------

  private async fetchPage(cursor: string | undefined): Promise<{ query: string; items: UiState['items']; nextCursor: string | undefined }> {
    const s = this.state;
    // Appending continues what is shown; a first page answers what is typed now.
    const query = (cursor ? s.shownQuery : s.query).trim();
    const at = { limit: PAGE, space: s.space, cursor };
    const page = query ? await req.search(this.bridge, { query, ...at }) : await req.list(this.bridge, at);
    const items = page.items.map((i) => ('memory' in i ? { memory: i.memory, score: i.score, matchedBy: i.matchedBy } : { memory: i }));
    return { query, items, nextCursor: page.nextCursor };
  }

  private async loadFirstPage(): Promise<void> {
    this.debounce.cancel();
    if (this.state.setup) return;
    this.dispatch({ type: 'pageRequested', append: false });
    const seq = this.state.seq;
    try {
      if (!this.state.query.trim()) void this.loadFileItems();
      const page = await this.fetchPage(undefined);
      this.dispatch({ type: 'pageLoaded', seq, append: false, ...page });
    } catch (e) {
      this.dispatch({ type: 'pageFailed', seq, error: errorPayload(e) });
    }
  }

  /** "For this file": refreshed with the recent list, and when the active editor's file changes. */
  private async loadFileItems(): Promise<void> {
    const file = this.state.activeFile;
    if (!file) return;
    this.dispatch({ type: 'fileItemsRequested' });
    const seq = this.state.fileSeq;
    try {
      const { items } = await req.forFile(this.bridge, { path: file.path, repo: file.repo, space: this.state.space, limit: 10 });
      this.dispatch({ type: 'fileItemsLoaded', seq, items });
    } catch {
      // The section stays as it was; the recent list below reports engine errors.
    }
  }

  private async loadMore(): Promise<void> {
    const { nextCursor, loading, seq } = this.state;
    if (!nextCursor || loading) return;
    this.dispatch({ type: 'pageRequested', append: true });
    try {
      const page = await this.fetchPage(nextCursor);
      this.dispatch({ type: 'pageLoaded', seq, append: true, ...page });
    } catch (e) {
      this.dispatch({ type: 'pageFailed', seq, error: errorPayload(e) });
    }
  }

  private async loadDetail(ref: MemoryRef): Promise<void> {
    try {
      this.dispatch({ type: 'detailLoaded', detail: await req.getMemory(this.bridge, ref) });
    } catch (e) {
      this.dispatch({ type: 'back' });
      this.fail(e);
    }
  }

  private onQuery(query: string): void {
    this.dispatch({ type: 'queryChanged', query });
    if (this.state.route.name === 'detail') this.dispatch({ type: 'back' });
    this.debounce.call(query);
  }

  private onHostEvent(e: HostEvent): void {
    switch (e.type) {
      case 'memoryChanged': {
        const r = this.state.route;
        if (r.name === 'detail' && e.id === r.id && !this.state.editing) {
          if (e.change === 'deleted') {
            if (!this.state.pendingDeletes.some((p) => p.id === e.id)) {
              this.dispatch({ type: 'back' });
              this.notice('This memory was deleted elsewhere.');
            }
          } else void this.loadDetail(r);
        }
        this.refresh.call();
        return;
      }
      case 'authChanged':
      case 'embedderChanged':
        void this.start();
        return;
      case 'engineStatus': {
        const was = this.state.engine;
        this.dispatch({ type: 'engineStatus', status: e.status });
        // A list that failed while the engine was starting loads once it runs.
        if (e.status === 'running' && was === 'starting' && this.state.error) {
          this.dispatch({ type: 'errorDismissed' });
          void this.start();
        }
        return;
      }
      case 'focusSearch':
        this.focusSearch();
        return;
      case 'showMemory':
        void this.open({ id: e.id, space: e.space ?? this.state.space ?? '' });
        return;
      case 'setupNeeded': {
        const was = this.state.setup;
        this.dispatch({ type: 'setupChanged', reason: e.reason });
        // Reachable again (back to local, URL set, signed in): load what this mode holds.
        if (was && !e.reason) void this.start();
        return;
      }
      case 'activeFile':
        this.dispatch({ type: 'activeFileChanged', file: e.file });
        if (e.file && !this.state.query.trim()) void this.loadFileItems();
        return;
      default:
        assertNever(e);
    }
  }

  // ---- user actions -----------------------------------------------------------------------

  private async open(ref: MemoryRef): Promise<void> {
    this.dispatch({ type: 'opened', ref });
    await this.loadDetail(ref);
  }

  private openIndex(index: number): void {
    const item = visibleItems(this.state)[index];
    if (item) void this.open({ id: item.memory.id, space: item.memory.space });
  }

  private toggleCapture(open = !this.state.captureOpen): void {
    this.dispatch({ type: 'captureToggled', open });
    if (open) queueMicrotask(() => this.chrome.captureText.focus());
  }

  private async capture(): Promise<void> {
    const text = valueOf(this.chrome.captureText);
    if (!text.trim()) return this.captureRefused({ code: 'invalid_input', message: 'Type the memory text first.' });
    try {
      const result = await req.create(this.bridge, {
        text,
        tags: parseTags(valueOf(this.chrome.captureTags)),
        source: { kind: this.bridge.host === 'console' ? 'console' : 'editor' },
        space: this.state.space,
      });
      setValue(this.chrome.captureText, '');
      setValue(this.chrome.captureTags, '');
      this.dispatch({ type: 'errorDismissed' });
      this.dispatch({ type: 'captured', result });
      const similar = result.outcome === 'created' ? result.similar?.[0] : undefined;
      // The form stays open with the choice; Keep both (the default) takes focus.
      if (similar) return this.dispatch({ type: 'similarOffered', result, similar });
      this.dispatch({ type: 'captureToggled', open: false });
      this.notice(
        result.outcome === 'created'
          ? 'Memory saved.'
          : result.outcome === 'duplicate'
            ? 'Already remembered: this exact text exists.'
            : 'Updated a nearly identical memory; its old text is in its history.',
      );
      this.focusSearch();
    } catch (e) {
      this.captureRefused(errorPayload(e));
    }
  }

  /** A refused capture keeps its text; the reason shows in the form and focus goes back to the text. */
  private captureRefused(error: ErrorPayload): void {
    this.dispatch({ type: 'captureFailed', error });
    this.render();
    focusAt(this.chrome.captureText, positionIn(valueOf(this.chrome.captureText), error.message));
  }

  /** "Replace …": the new text becomes a new version of the similar memory; the new one goes. */
  private async replaceSimilar(): Promise<void> {
    const offer = this.state.captureSimilar;
    if (!offer) return;
    try {
      const memory = await replaceSimilar(req.bridgeReplaceCalls(this.bridge), offer.result, offer.similar.id);
      this.dispatch({ type: 'similarReplaced', removedId: offer.result.memory.id, memory });
      this.dispatch({ type: 'captureToggled', open: false });
      this.notice('Replaced; the old text is kept in its history.');
      this.focusSearch();
    } catch (e) {
      this.dispatch({ type: 'similarKept' });
      this.fail(e);
      this.chrome.captureText.focus();
    }
  }

  private keepBoth(): void {
    this.dispatch({ type: 'similarKept' });
    this.dispatch({ type: 'captureToggled', open: false });
    this.notice('Memory saved; both are kept.');
    this.focusSearch();
  }

  private async saveText(text: string): Promise<void> {
    const d = this.state.detail;
    if (!d) return;
    if (text.trim() === d.text.trim()) {
      this.dispatch({ type: 'editEnded' });
      return;
    }
    await this.update(d, { text });
  }

  private async update(d: Memory, patch: { text?: string; tags?: string[] }): Promise<void> {
    try {
      const memory = await req.update(this.bridge, d, patch);
      this.dispatch({ type: 'errorDismissed' });
      this.dispatch({ type: 'memorySaved', memory });
      await this.loadDetail(d);
      this.focusDetail();
    } catch (e) {
      this.fail(e);
    }
  }

  private async restore(version: number): Promise<void> {
    const d = this.state.detail;
    if (!d) return;
    try {
      const memory = await req.restore(this.bridge, d, version);
      this.dispatch({ type: 'memorySaved', memory });
      await this.loadDetail(d);
      this.notice(`Restored version ${version}. The replaced text is now in the history.`);
    } catch (e) {
      this.fail(e);
    }
  }

  private askDelete(ref: MemoryRef | undefined): void {
    if (!ref) return;
    this.confirmReturn = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    this.dispatch({ type: 'deleteRequested', ref });
  }

  private memoryFor(ref: MemoryRef): Memory | undefined {
    if (this.state.detail?.id === ref.id) return this.state.detail;
    return this.state.items.find((i) => i.memory.id === ref.id)?.memory;
  }

  /** Hides the memory now; the real delete is sent only when the undo window has passed. */
  private confirmDelete(): void {
    const ref = this.state.confirmingDelete;
    const memory = ref && this.memoryFor(ref);
    if (!memory) return this.dispatch({ type: 'deleteCancelled' });
    this.dispatch({ type: 'deleteScheduled', memory });
    this.deletes.schedule(memory.id, () => void this.commitDelete(memory));
    this.focusSelected();
  }

  private async commitDelete(memory: Memory): Promise<void> {
    try {
      await req.remove(this.bridge, memory);
      this.dispatch({ type: 'deleteCommitted', id: memory.id });
    } catch (e) {
      // The host committed it already (the view was hidden meanwhile): deleted is deleted.
      if (e instanceof BridgeError && e.code === 'not_found') return this.dispatch({ type: 'deleteCommitted', id: memory.id });
      this.dispatch({ type: 'deleteUndone', id: memory.id });
      this.fail(e);
    }
  }

  private undo(id?: string): void {
    const target = id ?? this.state.pendingDeletes.at(-1)?.id;
    if (target && this.deletes.cancel(target)) {
      this.dispatch({ type: 'deleteUndone', id: target });
      this.notice('Delete undone.');
    }
  }

  /** "Still true", "Re-anchor" and "Show change" on the memory in the detail view. */
  private async anchorAction(kind: 'verify' | 'reanchor' | 'showChange'): Promise<void> {
    const d = this.state.detail;
    if (!d) return;
    try {
      if (kind === 'showChange') {
        await req.showChange(this.bridge, d);
        return;
      }
      const memory = kind === 'verify' ? await req.verify(this.bridge, d) : await req.reanchor(this.bridge, d);
      this.dispatch({ type: 'errorDismissed' });
      this.dispatch({ type: 'memorySaved', memory });
      await this.loadDetail(d);
      this.notice(kind === 'verify' ? 'Marked as still true for the code as it is now.' : 'Re-anchored to the code as it is now.');
    } catch (e) {
      this.fail(e);
    }
  }

  private async openSource(): Promise<void> {
    const d = this.state.detail;
    if (!d?.source.uri) return;
    try {
      await req.openSource(this.bridge, d.source);
    } catch (e) {
      this.fail(e);
    }
  }

  private async setupAction(action: SetupAction): Promise<void> {
    try {
      await req.setupAction(this.bridge, action);
    } catch (e) {
      this.dispatch({ type: 'failed', error: errorPayload(e) });
    }
  }

  // ---- focus and keyboard -----------------------------------------------------------------

  private focusSearch(): void {
    if (this.state.route.name === 'detail' && !this.state.editing) this.dispatch({ type: 'back' });
    this.chrome.search.focus();
  }

  private focusSelected(): void {
    this.render();
    const item = selectedItem(this.state);
    const node = item && document.getElementById(rowId(item));
    if (node) {
      node.focus();
      node.scrollIntoView({ block: 'nearest' });
    } else this.chrome.search.focus();
  }

  private focusDetail(): void {
    this.render();
    this.chrome.main.querySelector<HTMLElement>('.detail')?.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.composedPath()[0] ?? e.target;
    const host = e.target instanceof Element ? e.target : null;
    const inSearch = host !== null && this.chrome.search.contains(host);
    const inList = host instanceof HTMLElement && host.getAttribute('role') === 'option';
    const cmd = keyCommand(e, {
      inSearch,
      inTextInput: !inSearch && (isTextInput(host) || isTextInput(target)),
      inList,
      view: this.state.route.name,
      canUndo: this.state.pendingDeletes.length > 0,
    });
    if (!cmd) return;
    e.preventDefault();
    this.run(cmd, inSearch);
  }

  private run(cmd: KeyCommand, inSearch: boolean): void {
    const s = this.state;
    switch (cmd) {
      case 'focusSearch':
        return this.focusSearch();
      case 'next':
        if (s.route.name !== 'list') return;
        this.dispatch(inSearch ? { type: 'selected', index: 0 } : { type: 'selectionMoved', delta: 1 });
        return this.focusSelected();
      case 'previous':
        if (s.selected === 0) return this.chrome.search.focus();
        this.dispatch({ type: 'selectionMoved', delta: -1 });
        return this.focusSelected();
      case 'first':
        this.dispatch({ type: 'selected', index: 0 });
        return this.focusSelected();
      case 'last':
        this.dispatch({ type: 'selected', index: visibleItems(s).length - 1 });
        return this.focusSelected();
      case 'open':
        if (inSearch) this.debounce.flush();
        return this.openIndex(s.selected);
      case 'back':
        return this.back();
      case 'clearSearch':
        if (!s.query) return;
        setValue(this.chrome.search, '');
        this.onQuery('');
        this.debounce.flush();
        return;
      case 'delete':
        return this.askDelete(s.route.name === 'detail' ? s.route : refOf(selectedItem(s)?.memory));
      case 'undo':
        return this.undo();
      case 'edit':
        if (s.detail && !s.editing) this.dispatch({ type: 'editStarted' });
        return;
      case 'save':
        if (s.editing) return void this.saveText(valueOf(this.chrome.main.querySelector<HTMLElement>('#edit-text') ?? this.chrome.main));
        if (s.captureOpen) return void this.capture();
        return;
      default:
        assertNever(cmd);
    }
  }

  /** Esc: closes the innermost thing open. */
  private back(): void {
    const s = this.state;
    if (s.confirmingDelete) {
      this.dispatch({ type: 'deleteCancelled' });
      this.confirmReturn?.focus();
    } else if (s.editing) {
      this.dispatch({ type: 'editEnded' });
      queueMicrotask(() => this.focusDetail());
    } else if (s.route.name === 'detail') {
      this.dispatch({ type: 'back' });
      this.focusSelected();
    } else if (s.captureOpen) {
      this.dispatch({ type: 'captureToggled', open: false });
      this.chrome.captureToggle.focus();
    } else this.chrome.search.focus();
  }

  // ---- rendering --------------------------------------------------------------------------

  private render(): void {
    const s = this.state;
    const p = this.prev;
    this.prev = s;
    const c = this.chrome;
    if (!p || p.spaces !== s.spaces || p.space !== s.space) {
      renderSpaces(c.spaceSlot, s.spaces, s.space, (space) => {
        this.dispatch({ type: 'spaceChosen', space });
        void this.loadFirstPage();
      });
    }
    if (!p || p.captureOpen !== s.captureOpen) {
      c.capture.hidden = !s.captureOpen;
      c.captureToggle.setAttribute('aria-expanded', String(s.captureOpen));
    }
    if (!p || p.captureError !== s.captureError || p.captureSimilar !== s.captureSimilar) {
      const offer = s.captureSimilar;
      const focus = renderCaptureNote(
        c,
        s.captureError,
        offer && { similarText: snippet(offer.similar.text, '', 60), replace: () => void this.replaceSimilar(), keepBoth: () => this.keepBoth() },
      );
      if (offer && !p?.captureSimilar) focus?.focus();
    }
    if (!p || p.error !== s.error) renderBanner(c.banner, s.error, () => this.dispatch({ type: 'errorDismissed' }));
    const status = statusText(s);
    if (c.status.textContent !== status) c.status.textContent = status;
    if (!p || p.confirmingDelete !== s.confirmingDelete) {
      const m = s.confirmingDelete && this.memoryFor(s.confirmingDelete);
      const yes = renderConfirm(
        c.confirm,
        m ? snippet(m.text, '', 60) : undefined,
        () => this.confirmDelete(),
        () => this.back(),
      );
      yes?.focus();
    }
    if (p && p.pendingDeletes !== s.pendingDeletes) {
      void req.holdDeletes(this.bridge, s.pendingDeletes).catch(() => undefined);
    }
    if (!p || p.pendingDeletes !== s.pendingDeletes || p.notice !== s.notice) {
      renderToast(c.toast, s.pendingDeletes.at(-1), s.notice, (id) => this.undo(id));
    }
    this.renderMain(p, s);
    this.persist();
  }

  private renderMain(p: UiState | undefined, s: UiState): void {
    const main = this.chrome.main;
    const now = this.now();
    if (!p || p.setup !== s.setup) this.chrome.root.classList.toggle('needs-setup', s.setup !== undefined);
    if (s.setup) {
      if (p?.setup === s.setup) return;
      main.replaceChildren(renderSetup(s.setup, (action) => void this.setupAction(action)));
      return;
    }
    if (s.route.name === 'detail') {
      const same = p?.route.name === 'detail' && p.detail === s.detail && p.editing === s.editing && p.viewingVersion === s.viewingVersion;
      if (same) return;
      const focusEditor = s.editing && !p?.editing;
      main.replaceChildren(
        renderDetail(s, now, {
          back: () => this.back(),
          edit: () => this.dispatch({ type: 'editStarted' }),
          cancelEdit: () => this.back(),
          save: (text) => void this.saveText(text),
          setTags: (tags) => s.detail && void this.update(s.detail, { tags }),
          remove: () => this.askDelete(s.route.name === 'detail' ? s.route : undefined),
          toggleVersion: (version) => this.dispatch({ type: 'versionToggled', version }),
          restore: (version) => void this.restore(version),
          ...(this.bridge.host === 'vscode' && s.detail?.source.uri ? { openSource: () => void this.openSource() } : {}),
          verify: () => void this.anchorAction('verify'),
          ...(this.bridge.host === 'vscode'
            ? { showChange: () => void this.anchorAction('showChange'), reanchor: () => void this.anchorAction('reanchor') }
            : {}),
        }),
      );
      if (focusEditor) main.querySelector<HTMLElement>('#edit-text')?.focus();
      else if (p?.route.name !== 'detail' || p.detail === undefined) main.querySelector<HTMLElement>('.detail')?.focus();
      return;
    }
    const listChanged =
      !p ||
      p.route.name !== 'list' ||
      p.items !== s.items ||
      p.pendingDeletes !== s.pendingDeletes ||
      p.engine !== s.engine ||
      p.loaded !== s.loaded ||
      p.nextCursor !== s.nextCursor ||
      p.fileItems !== s.fileItems ||
      p.activeFile !== s.activeFile ||
      p.setup !== s.setup ||
      (p.query.trim() === '') !== (s.query.trim() === '');
    // A refresh starting or ending changes only the last row: updated in place where rows show.
    const rebuild = listChanged || (p.loading !== s.loading && !this.updateSentinel(s));
    if (!rebuild && p.selected === s.selected) return;
    if (!rebuild) {
      for (const li of main.querySelectorAll<HTMLElement>('li[role=option]')) {
        const on = li.dataset.index === String(s.selected);
        li.setAttribute('aria-selected', String(on));
        li.tabIndex = on ? 0 : -1;
      }
      return;
    }
    const hadFocus = main.contains(document.activeElement) && document.activeElement !== main;
    this.observer?.disconnect();
    main.replaceChildren(
      renderList(s, now, {
        open: (i) => this.openIndex(i),
        select: (i) => this.state.selected !== i && this.dispatch({ type: 'selected', index: i }),
        capture: () => {
          if (showsSearch(this.state)) setValue(this.chrome.captureText, this.state.shownQuery);
          this.toggleCapture(true);
        },
        openRef: (ref) => void this.open(ref),
      }),
    );
    const last = main.querySelector('.sentinel');
    if (last) this.observer?.observe(last);
    if (hadFocus) {
      const item = selectedItem(s);
      (item ? document.getElementById(rowId(item)) : null)?.focus();
    }
  }

  /**
   * A refresh starting or ending changes only the list's last row: updated in place (true), so the
   * rows stay the same elements. False where the list is not showing rows.
   */
  private updateSentinel(s: UiState): boolean {
    const list = this.chrome.main.querySelector<HTMLElement>('ul.rows');
    if (!list || visibleItems(s).length === 0) return false;
    list.querySelector('.sentinel')?.remove();
    const more = sentinel(s);
    if (more) {
      list.append(more);
      this.observer?.disconnect();
      this.observer?.observe(more);
    }
    return true;
  }

  private persist(): void {
    const json = JSON.stringify(toPersisted(this.state));
    if (json === this.savedJson) return;
    this.savedJson = json;
    this.store.save(JSON.parse(json));
  }
}

/** Focuses a toolkit text control, with the caret at `offset` when given. */
function focusAt(control: HTMLElement, offset: number | undefined): void {
  control.focus();
  const inner = control.shadowRoot?.querySelector<HTMLTextAreaElement | HTMLInputElement>('textarea, input');
  if (inner && offset !== undefined) inner.setSelectionRange(offset, offset);
}

function refOf(m: Memory | undefined): MemoryRef | undefined {
  return m ? { id: m.id, space: m.space } : undefined;
}
