/** One memory: text with edit in place, tags, source, and its version history. */
import type { MemoryVersion, MemoryWithHistory } from '../../src/core/memory.js';
import { LIMITS } from '../../src/core/memory.js';
import { el, icon } from '../dom.js';
import { parseTags, relativeTime, sourceLabel } from '../format.js';
import type { UiState } from '../state.js';
import { button, iconButton, progressRing, textArea, textField, valueOf } from '../toolkit.js';

export interface DetailHandlers {
  back(): void;
  edit(): void;
  cancelEdit(): void;
  save(text: string): void;
  setTags(tags: string[]): void;
  remove(): void;
  toggleVersion(version: number): void;
  restore(version: number): void;
  openSource?: () => void;
}

const REASONS: Record<MemoryVersion['reason'], string> = { update: 'edited', supersede: 'superseded', restore: 'replaced by a restore' };

function toolbar(d: MemoryWithHistory | undefined, h: DetailHandlers): HTMLElement {
  return el(
    'div',
    { class: 'detail-bar' },
    iconButton('Back to list (Esc)', 'arrow-left', () => h.back(), 'back'),
    el('h2', { class: 'detail-title' }, d ? `Memory · v${d.version}` : 'Memory'),
    d ? iconButton('Edit text (E)', 'edit', () => h.edit(), 'edit') : undefined,
    d ? iconButton('Delete memory (Delete)', 'trash', () => h.remove(), 'delete') : undefined,
  );
}

function editor(d: MemoryWithHistory, h: DetailHandlers): HTMLElement {
  const area = textArea({ label: 'Memory text', value: d.text, rows: 8, id: 'edit-text', maxLength: LIMITS.maxTextChars });
  return el(
    'div',
    { class: 'editor' },
    area,
    el(
      'div',
      { class: 'actions' },
      button({ label: 'Save', icon: 'check', onClick: () => h.save(valueOf(area)) }),
      button({ label: 'Cancel', appearance: 'secondary', onClick: () => h.cancelEdit() }),
      el('span', { class: 'hint' }, 'Ctrl+Enter saves · Esc cancels'),
    ),
  );
}

function tagEditor(d: MemoryWithHistory, h: DetailHandlers): HTMLElement {
  const field = textField({ label: 'Add tags', placeholder: 'Add tag…', id: 'add-tag', icon: 'tag' });
  field.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    e.stopPropagation();
    const added = parseTags(valueOf(field));
    if (added.length) h.setTags([...d.tags, ...added]);
  });
  const chips = d.tags.map((t) =>
    el(
      'span',
      { class: 'tag chip' },
      t,
      iconButton(`Remove tag ${t}`, 'close', () => h.setTags(d.tags.filter((x) => x !== t))),
    ),
  );
  return el('div', { class: 'tag-editor', role: 'group', 'aria-label': 'Tags' }, ...chips, field);
}

function meta(d: MemoryWithHistory, now: Date, h: DetailHandlers): HTMLElement {
  const src = sourceLabel(d.source);
  const srcNode = h.openSource
    ? el('a', { href: '#', class: 'source link', title: `Open ${src.title}` }, icon(src.icon), src.label)
    : el('span', { class: 'source', title: src.title }, icon(src.icon), src.label);
  if (h.openSource) {
    const open = h.openSource;
    srcNode.addEventListener('click', (e) => {
      e.preventDefault();
      open();
    });
  }
  return el(
    'dl',
    { class: 'meta' },
    el('dt', {}, 'Source'),
    el('dd', {}, srcNode, d.source.uri ? el('span', { class: 'uri' }, d.source.uri) : undefined),
    el('dt', {}, 'Updated'),
    el('dd', {}, el('time', { datetime: d.updatedAt, title: new Date(d.updatedAt).toLocaleString() }, relativeTime(d.updatedAt, now))),
    el('dt', {}, 'Created'),
    el('dd', {}, el('time', { datetime: d.createdAt, title: new Date(d.createdAt).toLocaleString() }, relativeTime(d.createdAt, now))),
    el('dt', {}, 'Id'),
    el('dd', { class: 'id' }, d.id),
  );
}

function history(d: MemoryWithHistory, state: UiState, now: Date, h: DetailHandlers): HTMLElement {
  const versions = [...d.history].sort((a, b) => b.version - a.version);
  const section = el('section', { class: 'history', 'aria-label': 'Version history' }, el('h3', {}, 'History'));
  if (versions.length === 0) {
    section.append(el('p', { class: 'muted' }, 'No earlier versions. Edits keep the previous text here, so you can restore it.'));
    return section;
  }
  const list = el('ol', { class: 'versions' });
  for (const v of versions) {
    const open = state.viewingVersion === v.version;
    list.append(
      el(
        'li',
        { class: `version${open ? ' open' : ''}` },
        el(
          'div',
          { class: 'version-head' },
          el('span', { class: 'version-no' }, `v${v.version}`),
          el('span', { class: 'muted' }, `${REASONS[v.reason]} ${relativeTime(v.replacedAt, now)}`),
          el('span', { class: 'spacer' }),
          iconButton(open ? `Hide version ${v.version}` : `View version ${v.version}`, open ? 'chevron-up' : 'eye', () => h.toggleVersion(v.version)),
          iconButton(`Restore version ${v.version}`, 'discard', () => h.restore(v.version)),
        ),
        el('div', { class: open ? 'version-text' : 'version-text clamped' }, v.text),
        open && v.tags.length ? el('div', { class: 'tags' }, ...v.tags.map((t) => el('span', { class: 'tag' }, t))) : undefined,
      ),
    );
  }
  section.append(list);
  return section;
}

export function renderDetail(state: UiState, now: Date, h: DetailHandlers): HTMLElement {
  const d = state.detail;
  const article = el('article', { class: 'detail', tabindex: '-1', 'aria-label': 'Memory details' }, toolbar(d, h));
  if (!d) {
    article.append(el('div', { class: 'loading' }, progressRing('Loading memory')));
    return article;
  }
  article.append(
    state.editing ? editor(d, h) : el('div', { class: 'memory-text', id: 'memory-text' }, d.text),
    tagEditor(d, h),
    meta(d, now, h),
    history(d, state, now, h),
  );
  return article;
}
