/** The result list (recent memories or search hits) and its empty state. */
import { el, icon } from '../dom.js';
import type { Memory } from '../../src/core/memory.js';
import type { FileRecallItem } from '../../src/core/memoryService.js';
import { anchorLabel, highlight, matchHint, relativeTime, snippet, sourceLabel, staleInfo } from '../format.js';
import { emptyState, fileSection, showsSearch, visibleItems, type MemoryRef, type ResultItem, type UiState } from '../state.js';
import { button, progressRing } from '../toolkit.js';

export interface ListHandlers {
  open(index: number): void;
  select(index: number): void;
  capture(): void;
  /** Opens a memory of the "For this file" section. */
  openRef(ref: MemoryRef): void;
}

/** The stale badge: what changed, when and at which commit in its tooltip and accessible name. */
export function staleBadge(memory: Memory, now: Date): HTMLElement | undefined {
  const info = staleInfo(memory.source, now);
  return info && el('span', { class: 'stale-badge', title: info.title, 'aria-label': info.title }, icon('warning'), el('span', {}, info.label));
}

/** Memory text with the query's words in <mark>; each piece is a text node. */
export function highlighted(text: string, query: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const seg of highlight(text, query)) frag.append(seg.match ? el('mark', {}, seg.text) : document.createTextNode(seg.text));
  return frag;
}

export function rowId(item: ResultItem): string {
  return `row-${item.memory.space}-${item.memory.id}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

function tagList(tags: string[], limit: number): HTMLElement | undefined {
  if (tags.length === 0) return undefined;
  const shown = tags.slice(0, limit);
  return el(
    'span',
    { class: 'tags', 'aria-label': `Tags: ${tags.join(', ')}` },
    ...shown.map((t) => el('span', { class: 'tag' }, t)),
    tags.length > limit ? el('span', { class: 'tag more' }, `+${tags.length - limit}`) : undefined,
  );
}

function hintOf(item: ResultItem): HTMLElement | undefined {
  const hint = matchHint(item.matchedBy);
  return hint
    ? el('span', { class: 'match', title: hint, 'aria-label': hint }, icon(item.matchedBy?.includes('keyword') ? 'whole-word' : 'sparkle'))
    : undefined;
}

function row(item: ResultItem, index: number, state: UiState, now: Date, h: ListHandlers): HTMLElement {
  const { memory } = item;
  const src = sourceLabel(memory.source);
  const when = relativeTime(memory.updatedAt, now);
  const selected = index === state.selected;
  const li = el(
    'li',
    {
      class: 'row',
      role: 'option',
      id: rowId(item),
      tabindex: selected ? '0' : '-1',
      'aria-selected': String(selected),
      'data-index': String(index),
    },
    el('div', { class: 'row-text' }, highlighted(snippet(memory.text, state.shownQuery), state.shownQuery)),
    el(
      'div',
      { class: 'row-meta' },
      el('span', { class: 'source', title: src.title }, icon(src.icon), el('span', { class: 'label' }, src.label)),
      el('time', { datetime: memory.updatedAt, title: new Date(memory.updatedAt).toLocaleString() }, when),
      staleBadge(memory, now),
      hintOf(item),
      tagList(memory.tags, 3),
    ),
  );
  li.addEventListener('click', () => h.open(index));
  li.addEventListener('focus', () => h.select(index));
  return li;
}

function fileRow(item: FileRecallItem, now: Date, h: ListHandlers): HTMLElement {
  const { memory } = item;
  const a = memory.source.anchor;
  const where = a ? anchorLabel(a) : item.match === 'repo' ? 'in this repository' : 'about this file';
  const li = el(
    'li',
    { class: `file-row${item.match === 'repo' ? ' repo' : ''}`, tabindex: '0', 'data-id': memory.id },
    el('div', { class: 'row-text' }, snippet(memory.text, '', 160)),
    el(
      'div',
      { class: 'row-meta' },
      el('span', { class: 'source', title: where }, icon(a ? 'symbol-file' : 'repo'), el('span', { class: 'label' }, where)),
      staleBadge(memory, now),
      el('time', { datetime: memory.updatedAt }, relativeTime(memory.updatedAt, now)),
    ),
  );
  const open = (): void => h.openRef({ id: memory.id, space: memory.space });
  li.addEventListener('click', open);
  li.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    e.stopPropagation();
    open();
  });
  return li;
}

/** "For this file": memories anchored or scoped to the active editor's file, then its repo's recent. */
function renderFileSection(state: UiState, items: FileRecallItem[], now: Date, h: ListHandlers): HTMLElement {
  const path = state.activeFile?.path ?? '';
  const name = path.split('/').pop() ?? path;
  const onFile = items.filter((i) => i.match === 'file');
  const inRepo = items.filter((i) => i.match === 'repo').slice(0, 5);
  return el(
    'section',
    { class: 'for-file', 'aria-label': `For this file: ${path}` },
    el('h2', { class: 'section-title', title: path }, icon('file'), el('span', {}, `For ${name}`)),
    onFile.length
      ? el('ul', { class: 'file-rows', 'aria-label': `Memories about ${path}` }, ...onFile.map((i) => fileRow(i, now, h)))
      : el('p', { class: 'muted file-empty' }, 'Nothing about this file yet. Select code and run "Kairos: Remember Selection".'),
    inRepo.length ? el('h3', { class: 'section-subtitle' }, 'Recent in this repository') : undefined,
    inRepo.length ? el('ul', { class: 'file-rows', 'aria-label': 'Recent in this repository' }, ...inRepo.map((i) => fileRow(i, now, h))) : undefined,
  );
}

export function renderList(state: UiState, now: Date, h: ListHandlers): HTMLElement {
  const main = renderMainList(state, now, h);
  const section = fileSection(state);
  return section ? el('div', { class: 'list-with-file' }, renderFileSection(state, section, now, h), main) : main;
}

function renderMainList(state: UiState, now: Date, h: ListHandlers): HTMLElement {
  const empty = emptyState(state);
  if (empty) {
    const searching = showsSearch(state);
    return el(
      'div',
      { class: 'empty' },
      el('span', { class: `codicon codicon-${searching ? 'search' : 'lightbulb'} empty-icon`, 'aria-hidden': 'true' }),
      el('h2', {}, empty.title),
      el('p', {}, empty.body),
      button({ label: searching ? 'Capture as memory' : 'Capture a memory', icon: 'add', appearance: 'secondary', onClick: () => h.capture() }),
    );
  }
  const items = visibleItems(state);
  if (!state.loaded && items.length === 0) {
    // First load (the engine may still be starting): a busy indicator, never a blank view.
    return el('div', { class: 'loading', 'aria-busy': 'true' }, progressRing(state.engine === 'starting' ? 'Starting local engine' : 'Loading memories'));
  }
  const list = el('ul', { class: 'rows', role: 'listbox', 'aria-label': showsSearch(state) ? 'Search results' : 'Recent memories' });
  items.forEach((item, i) => list.append(row(item, i, state, now, h)));
  const more = sentinel(state);
  if (more) list.append(more);
  return list;
}

/** The list's last row: where the next page loads (observed for scrolling), with a ring while loading. */
export function sentinel(state: UiState): HTMLElement | undefined {
  if (!state.nextCursor && !state.loading) return undefined;
  return el('li', { class: 'sentinel', role: 'presentation' }, state.loading ? progressRing('Loading more memories') : undefined);
}
