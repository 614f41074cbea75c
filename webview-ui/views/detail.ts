/** One memory: text with edit in place, tags, source, and its version history. */
import type { MemoryVersion, MemoryWithHistory } from '../../src/core/memory.js';
import { LIMITS } from '../../src/core/memory.js';
import { el, icon } from '../dom.js';
import { anchorLabel, parseTags, provenance, relativeTime, sourceLabel, staleInfo } from '../format.js';
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
  /** Anchored memories: "Still true" everywhere; the others only where the host reads code. */
  verify(): void;
  showChange?: () => void;
  reanchor?: () => void;
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
    ...provenance(d.source).flatMap(([k, v]) => [el('dt', {}, k), el('dd', { class: 'provenance' }, v)]),
    el('dt', {}, 'Id'),
    el('dd', { class: 'id' }, d.id),
  );
}

/** The code a memory is anchored to: where, whether it is still the same, and what to do if not. */
function anchorSection(d: MemoryWithHistory, now: Date, h: DetailHandlers): HTMLElement | undefined {
  const a = d.source.anchor;
  if (!a) return undefined;
  const st = a.status;
  const stale = staleInfo(d.source, now);
  const notes: Array<HTMLElement | undefined> = [
    stale
      ? el('p', { class: 'stale-note', role: 'status' }, icon('warning'), el('span', { class: 'stale-badge' }, stale.label), el('span', {}, ` ${stale.title}`))
      : el(
          'p',
          { class: 'fresh-note' },
          icon('pass'),
          el('span', {}, st?.checkedAt ? `Unchanged when last checked ${relativeTime(st.checkedAt, now)}.` : 'Anchored to this code.'),
        ),
    st?.moved ? el('p', { class: 'muted' }, `Followed its code from ${st.moved.fromPath}:${st.moved.fromLine} ${relativeTime(st.moved.at, now)}.`) : undefined,
    st?.verifiedAt
      ? el(
          'p',
          { class: 'muted' },
          `Confirmed still true ${relativeTime(st.verifiedAt, now)}${st.verifiedCommit ? ` at ${st.verifiedCommit.slice(0, 7)}` : ''}.`,
        )
      : undefined,
  ];
  return el(
    'section',
    { class: `anchor${stale ? ' is-stale' : ''}`, 'aria-label': 'Anchored code' },
    el('h3', {}, 'Code'),
    el(
      'p',
      { class: 'anchor-where' },
      icon('symbol-file'),
      el('code', {}, anchorLabel(a)),
      a.commit ? el('span', { class: 'muted' }, ` captured at ${a.commit.slice(0, 7)}`) : undefined,
    ),
    ...notes,
    el(
      'div',
      { class: 'actions anchor-actions' },
      h.showChange ? button({ label: 'Show change', icon: 'diff', appearance: 'secondary', id: 'show-change', onClick: () => h.showChange?.() }) : undefined,
      h.reanchor
        ? button({ label: 'Re-anchor to current code', icon: 'pin', appearance: 'secondary', id: 'reanchor', onClick: () => h.reanchor?.() })
        : undefined,
      stale ? button({ label: 'Still true', icon: 'check', id: 'still-true', onClick: () => h.verify() }) : undefined,
      stale ? button({ label: 'Forget', icon: 'trash', appearance: 'secondary', id: 'forget', onClick: () => h.remove() }) : undefined,
    ),
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
    ...[anchorSection(d, now, h)].filter((x): x is HTMLElement => x !== undefined),
    tagEditor(d, h),
    meta(d, now, h),
    history(d, state, now, h),
  );
  return article;
}
