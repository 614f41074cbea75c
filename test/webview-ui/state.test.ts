import { describe, expect, it } from 'vitest';
import {
  emptyState,
  fileSection,
  fromPersisted,
  initialState,
  reduce,
  selectedItem,
  statusText,
  toPersisted,
  visibleItems,
  type Action,
  type UiState,
} from '../../webview-ui/state.js';
import { memory } from './fixtures.js';

function run(state: UiState, ...actions: Action[]): UiState {
  return actions.reduce(reduce, state);
}

function loaded(ids: string[], over: Partial<UiState> = {}): UiState {
  const s = run({ ...initialState(), ...over }, { type: 'pageRequested', append: false });
  return reduce(s, { type: 'pageLoaded', seq: s.seq, append: false, query: s.query, items: ids.map((id) => ({ memory: memory(id) })), nextCursor: undefined });
}

describe('UI state', () => {
  it('drops the answer to an older search when a newer one is in flight', () => {
    let s = run(initialState(), { type: 'queryChanged', query: 'a' }, { type: 'pageRequested', append: false });
    const first = s.seq;
    s = run(s, { type: 'queryChanged', query: 'ab' }, { type: 'pageRequested', append: false });
    s = reduce(s, { type: 'pageLoaded', seq: first, append: false, query: 'a', items: [{ memory: memory('old') }], nextCursor: undefined });
    expect(s.items).toEqual([]);
    expect(s.loading).toBe(true);
    s = reduce(s, { type: 'pageLoaded', seq: s.seq, append: false, query: 'ab', items: [{ memory: memory('new') }], nextCursor: undefined });
    expect(s.items.map((i) => i.memory.id)).toEqual(['new']);
    expect(s.shownQuery).toBe('ab');
    expect(s.loading).toBe(false);
  });

  it('keeps the same rows when a background refresh finds the same page, and takes a changed one', () => {
    const s = loaded(['a', 'b']);
    const refresh = (items: UiState['items']): UiState => {
      const r = run(s, { type: 'pageRequested', append: false });
      return reduce(r, { type: 'pageLoaded', seq: r.seq, append: false, query: r.query, items, nextCursor: undefined });
    };
    // Equal content, new objects (as a refresh over the bridge gives): the very same array stays.
    expect(refresh(s.items.map((i) => JSON.parse(JSON.stringify(i)))).items).toBe(s.items);
    const edited = refresh([{ memory: { ...memory('a'), text: 'edited', version: 2 } }, { memory: memory('b') }]);
    expect(edited.items).not.toBe(s.items);
    expect(edited.items[0]!.memory.text).toBe('edited');
    expect(refresh([{ memory: memory('b') }, { memory: memory('a') }]).items.map((i) => i.memory.id)).toEqual(['b', 'a']);
  });

  it('appends the next page without duplicating rows and keeps the cursor of the last page', () => {
    let s = run(initialState(), { type: 'pageRequested', append: false });
    s = reduce(s, { type: 'pageLoaded', seq: s.seq, append: false, query: '', items: [{ memory: memory('a') }, { memory: memory('b') }], nextCursor: 'c1' });
    s = run(s, { type: 'pageRequested', append: true });
    expect(s.seq).toBe(1);
    s = reduce(s, {
      type: 'pageLoaded',
      seq: s.seq,
      append: true,
      query: '',
      items: [{ memory: memory('b') }, { memory: memory('c') }],
      nextCursor: undefined,
    });
    expect(s.items.map((i) => i.memory.id)).toEqual(['a', 'b', 'c']);
    expect(s.nextCursor).toBeUndefined();
  });

  it('keeps showing and describing the previous answer while a new query is typed and in flight', () => {
    let s = loaded(['a', 'b'], { query: 'cats' });
    s = run(s, { type: 'queryChanged', query: '' }, { type: 'pageRequested', append: false });
    expect(s.items.map((i) => i.memory.id)).toEqual(['a', 'b']);
    expect(statusText(s)).toBe('2 results for “cats”');
    s = reduce(s, { type: 'pageLoaded', seq: s.seq, append: false, query: '', items: [{ memory: memory('c') }], nextCursor: undefined });
    expect(statusText(s)).toBe('1 recent memory');
  });

  it('resets the selection for a new query but keeps it when the same list is refreshed', () => {
    let s = run(loaded(['a', 'b', 'c']), { type: 'selected', index: 2 }, { type: 'pageRequested', append: false });
    s = reduce(s, {
      type: 'pageLoaded',
      seq: s.seq,
      append: false,
      query: '',
      items: ['a', 'b', 'c'].map((id) => ({ memory: memory(id) })),
      nextCursor: undefined,
    });
    expect(s.selected).toBe(2);
    s = run(s, { type: 'queryChanged', query: 'q' }, { type: 'pageRequested', append: false });
    s = reduce(s, {
      type: 'pageLoaded',
      seq: s.seq,
      append: false,
      query: 'q',
      items: ['a', 'b', 'c'].map((id) => ({ memory: memory(id) })),
      nextCursor: undefined,
    });
    expect(s.selected).toBe(0);
  });

  it('keeps the selection inside the list when moving past either end', () => {
    let s = loaded(['a', 'b', 'c']);
    s = run(s, { type: 'selectionMoved', delta: 5 });
    expect(selectedItem(s)?.memory.id).toBe('c');
    s = run(s, { type: 'selectionMoved', delta: -9 });
    expect(s.selected).toBe(0);
  });

  it('hides a memory while its delete can be undone and shows it again on undo', () => {
    let s = loaded(['a', 'b']);
    s = run(s, { type: 'opened', ref: { id: 'b', space: 'kairos_user_local' } }, { type: 'detailLoaded', detail: { ...memory('b'), history: [] } });
    s = run(s, { type: 'deleteRequested', ref: { id: 'b', space: 'kairos_user_local' } });
    expect(s.confirmingDelete?.id).toBe('b');
    s = run(s, { type: 'deleteScheduled', memory: memory('b') });
    expect(s.route).toEqual({ name: 'list' });
    expect(s.confirmingDelete).toBeUndefined();
    expect(visibleItems(s).map((i) => i.memory.id)).toEqual(['a']);
    s = run(s, { type: 'deleteUndone', id: 'b' });
    expect(visibleItems(s).map((i) => i.memory.id)).toEqual(['a', 'b']);
  });

  it('removes a memory for good once its delete is committed', () => {
    const s = run(loaded(['a', 'b']), { type: 'deleteScheduled', memory: memory('a') }, { type: 'deleteCommitted', id: 'a' });
    expect(s.items.map((i) => i.memory.id)).toEqual(['b']);
    expect(s.pendingDeletes).toEqual([]);
  });

  it('puts a captured memory on top of the recent list but not into search results', () => {
    const created = { outcome: 'created' as const, memory: memory('n') };
    expect(run(loaded(['a']), { type: 'captured', result: created }).items.map((i) => i.memory.id)).toEqual(['n', 'a']);
    const searching = run(loaded(['a'], { query: 'x' }), { type: 'captured', result: created });
    expect(searching.items.map((i) => i.memory.id)).toEqual(['a']);
  });

  it('keeps a refused capture open with its reason, and offers Replace / Keep both for a similar memory', () => {
    const refused = run(loaded(['a']), { type: 'captureFailed', error: { code: 'invalid_input', message: 'GitHub token at line 1, column 5' } });
    expect(refused).toMatchObject({ captureOpen: true, captureError: { code: 'invalid_input' }, error: undefined });
    const similar = { id: 'a', text: 'old text', similarity: 0.9, updatedAt: '2026-01-01T00:00:00Z' };
    const created = { outcome: 'created' as const, memory: memory('n'), similar: [similar] };
    const offered = run(refused, { type: 'captured', result: created }, { type: 'similarOffered', result: created, similar });
    expect(offered).toMatchObject({ captureOpen: true, captureError: undefined, captureSimilar: { similar: { id: 'a' } } });
    expect(offered.items.map((i) => i.memory.id)).toEqual(['n', 'a']);

    const replaced = run(offered, { type: 'similarReplaced', removedId: 'n', memory: { ...memory('a'), text: 'new text', version: 2 } });
    expect(replaced.items.map((i) => [i.memory.id, i.memory.version])).toEqual([['a', 2]]);
    expect(replaced.captureSimilar).toBeUndefined();

    const kept = run(offered, { type: 'similarKept' }, { type: 'captureToggled', open: false });
    expect(kept).toMatchObject({ captureOpen: false, captureSimilar: undefined });
    expect(kept.items.map((i) => i.memory.id)).toEqual(['n', 'a']);
  });

  it('updates the open memory and its list row when an edit is saved, keeping the history', () => {
    let s = loaded(['a']);
    s = run(s, { type: 'opened', ref: { id: 'a', space: 'kairos_user_local' } });
    s = run(s, {
      type: 'detailLoaded',
      detail: { ...memory('a'), history: [{ version: 1, text: 'x', tags: [], source: { kind: 'api' }, replacedAt: '2026-01-02T00:00:00Z', reason: 'update' }] },
    });
    s = run(s, { type: 'editStarted' }, { type: 'memorySaved', memory: memory('a', { text: 'edited', version: 2 }) });
    expect(s.editing).toBe(false);
    expect(s.detail?.text).toBe('edited');
    expect(s.detail?.history).toHaveLength(1);
    expect(s.items[0]?.memory.text).toBe('edited');
  });

  it('ignores a detail answer for a memory that is no longer open', () => {
    let s = run(loaded(['a', 'b']), { type: 'opened', ref: { id: 'a', space: 'kairos_user_local' } }, { type: 'back' });
    s = run(s, { type: 'detailLoaded', detail: { ...memory('a'), history: [] } });
    expect(s.detail).toBeUndefined();
    expect(s.route.name).toBe('list');
  });

  it('chooses the personal space when the remembered one is gone, and resets the list on a switch', () => {
    const spaces = [
      { space: 'kairos_org_team', role: 'writer' as const, label: 'Team', kind: 'org' as const, count: 3 },
      { space: 'kairos_user_me', role: 'owner' as const, label: 'Personal', kind: 'personal' as const, count: 1 },
    ];
    let s = run({ ...loaded(['a']), space: 'kairos_org_gone' }, { type: 'spacesLoaded', spaces });
    expect(s.space).toBe('kairos_user_me');
    s = run(s, { type: 'spaceChosen', space: 'kairos_org_team' });
    expect(s.items).toEqual([]);
    expect(s.loaded).toBe(false);
  });

  it('describes the list for the live region and explains empty states', () => {
    expect(statusText(run(initialState(), { type: 'pageRequested', append: false }))).toBe('Loading…');
    expect(statusText(loaded(['a']))).toBe('1 recent memory');
    expect(statusText(loaded(['a', 'b'], { query: 'cats' }))).toBe('2 results for “cats”');
    expect(statusText(loaded([], { query: 'cats' }))).toBe('No results for “cats”');
    expect(emptyState(loaded([]))?.title).toBe('No memories yet');
    expect(emptyState(loaded([], { query: 'x' }))?.title).toBe('No matching memories');
    expect(emptyState(loaded(['a']))).toBeUndefined();
  });

  it('shows the server message when a page fails', () => {
    const s = run(initialState(), { type: 'pageRequested', append: false });
    const failed = reduce(s, { type: 'pageFailed', seq: s.seq, error: { code: 'forbidden', message: 'No access.' } });
    expect(failed.error?.message).toBe('No access.');
    expect(failed.loading).toBe(false);
  });

  it('round-trips the restorable state and rejects malformed saved state', () => {
    const s = run(initialState(), { type: 'queryChanged', query: 'db' }, { type: 'opened', ref: { id: 'x', space: 'kairos_user_me' } });
    const saved = JSON.parse(JSON.stringify(toPersisted(s))) as unknown;
    const back = initialState(fromPersisted(saved));
    expect(back.query).toBe('db');
    expect(back.route).toEqual({ name: 'detail', id: 'x', space: 'kairos_user_me' });
    expect(fromPersisted({ v: 2 })).toBeUndefined();
    expect(fromPersisted('nope')).toBeUndefined();
    expect(fromPersisted({ v: 1, query: 'q', captureOpen: false, route: { name: 'detail', id: 3 } })?.route).toEqual({ name: 'list' });
  });
});

describe('"For this file"', () => {
  const file = { path: 'src/retry.ts', repo: 'github.com/acme/app' };
  const items = (...ids: string[]) => ids.map((id) => ({ memory: memory(id), match: 'file' as const }));

  it("shows the active file's memories while the search box is empty, and hides them while searching or in a memory", () => {
    let s = run(initialState(), { type: 'activeFileChanged', file }, { type: 'fileItemsRequested' });
    s = reduce(s, { type: 'fileItemsLoaded', seq: s.fileSeq, items: items('a', 'b') });
    expect(fileSection(s)?.map((i) => i.memory.id)).toEqual(['a', 'b']);
    expect(fileSection(reduce(s, { type: 'queryChanged', query: 'x' }))).toBeUndefined();
    expect(fileSection(reduce(s, { type: 'opened', ref: { id: 'a', space: 'kairos_user_local' } }))).toBeUndefined();
    expect(fileSection(reduce(s, { type: 'activeFileChanged', file: undefined }))).toBeUndefined();
  });

  it('drops an older answer, clears the list for another file and keeps it for the same one', () => {
    let s = run(initialState(), { type: 'activeFileChanged', file }, { type: 'fileItemsRequested' });
    const old = s.fileSeq;
    s = reduce(s, { type: 'fileItemsRequested' });
    s = reduce(s, { type: 'fileItemsLoaded', seq: old, items: items('old') });
    expect(s.fileItems).toEqual([]);
    s = reduce(s, { type: 'fileItemsLoaded', seq: s.fileSeq, items: items('new') });
    expect(reduce(s, { type: 'activeFileChanged', file: { ...file } })).toBe(s);
    expect(reduce(s, { type: 'activeFileChanged', file: { ...file, path: 'src/other.ts' } }).fileItems).toEqual([]);
  });

  it('follows saved and deleted memories, and hides ones waiting out their undo window', () => {
    let s = run(initialState(), { type: 'activeFileChanged', file }, { type: 'fileItemsRequested' });
    s = reduce(s, { type: 'fileItemsLoaded', seq: s.fileSeq, items: items('a', 'b') });
    s = reduce(s, { type: 'memorySaved', memory: memory('a', { text: 'verified' }) });
    expect(s.fileItems[0]?.memory.text).toBe('verified');
    s = reduce(s, { type: 'deleteScheduled', memory: memory('b') });
    expect(fileSection(s)?.map((i) => i.memory.id)).toEqual(['a']);
    s = reduce(s, { type: 'deleteCommitted', id: 'b' });
    expect(s.fileItems.map((i) => i.memory.id)).toEqual(['a']);
  });

  it("setup needed: drops the old mode's list and errors, ignores failures while set, and keeps nothing stale once cleared", () => {
    let s = reduce(loaded(['a', 'b']), { type: 'opened', ref: { id: 'a', space: 'personal' } });
    s = reduce(s, { type: 'failed', error: { code: 'unreachable', message: 'old' } });
    s = reduce(s, { type: 'setupChanged', reason: 'no-server-url' });
    expect(s.setup).toBe('no-server-url');
    expect(s.items).toEqual([]);
    expect(s.route).toEqual({ name: 'list' });
    expect(s.error).toBeUndefined();
    expect(statusText(s)).toBe('');
    // The list request raced with the event: its failure is the reason the panel already gives.
    s = run(s, { type: 'pageRequested', append: false });
    s = reduce(s, { type: 'pageFailed', seq: s.seq, error: { code: 'invalid_input', message: 'Remote mode needs the service address' } });
    s = reduce(s, { type: 'failed', error: { code: 'unauthorized', message: 'Sign in first' } });
    expect(s.error).toBeUndefined();
    s = reduce(s, { type: 'setupChanged', reason: undefined });
    expect(s.setup).toBeUndefined();
    expect(s.items).toEqual([]);
    s = reduce(s, { type: 'failed', error: { code: 'unreachable', message: 'now shown' } });
    expect(s.error?.message).toBe('now shown');
  });
});
