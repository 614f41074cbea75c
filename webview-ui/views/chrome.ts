/** The fixed parts around the list: header with search, capture box, banners, confirm and toast. */
import { LIMITS } from '../../src/core/memory.js';
import type { ErrorPayload, SpaceInfo } from '../../src/protocol/messages.js';
import { clear, el, icon } from '../dom.js';
import type { PendingDelete } from '../state.js';
import { button, dropdown, iconButton, textArea, textField } from '../toolkit.js';

export interface Chrome {
  root: HTMLElement;
  spaceSlot: HTMLElement;
  search: HTMLElement;
  capture: HTMLElement;
  captureText: HTMLElement;
  captureTags: HTMLElement;
  captureToggle: HTMLElement;
  /** Inside the capture form: why a save was refused, or the Replace / Keep both offer. */
  captureNote: HTMLElement;
  banner: HTMLElement;
  status: HTMLElement;
  confirm: HTMLElement;
  main: HTMLElement;
  toast: HTMLElement;
}

export interface ChromeHandlers {
  search(query: string): void;
  toggleCapture(): void;
  capture(): void;
  dismissError(): void;
}

/** Where the console links to the Account page; the VS Code webview never shows the link. */
export const ACCOUNT_PAGE_HREF = '/account';

export function buildChrome(h: ChromeHandlers, opts: { accountLink?: boolean } = {}): Chrome {
  const search = textField({ label: 'Search memories', placeholder: 'Search memories (/)', id: 'search', icon: 'search', maxLength: LIMITS.maxQueryChars });
  search.addEventListener('input', () => h.search((search as HTMLElement & { value: string }).value));
  const captureToggle = iconButton('Capture a memory', 'add', () => h.toggleCapture(), 'capture-toggle');
  captureToggle.setAttribute('aria-expanded', 'false');
  captureToggle.setAttribute('aria-controls', 'capture');
  const spaceSlot = el('div', { class: 'space-slot', hidden: '' });

  // No maxlength: the server's message for an over-long text says what the limit is.
  const captureText = textArea({ label: 'Memory text', placeholder: 'What should Kairos remember?', rows: 3, id: 'capture-text' });
  const captureTags = textField({ label: 'Tags', placeholder: 'Tags, comma separated', id: 'capture-tags', icon: 'tag' });
  const captureNote = el('div', { class: 'capture-note', id: 'capture-note', hidden: '' });
  const capture = el(
    'section',
    { class: 'capture', id: 'capture', 'aria-label': 'Capture a memory', hidden: '' },
    captureText,
    el('div', { class: 'capture-row' }, captureTags, button({ label: 'Save', icon: 'check', id: 'capture-save', onClick: () => h.capture() })),
    captureNote,
    el('div', { class: 'hint' }, 'Ctrl+Enter saves · Esc closes'),
  );

  const banner = el('div', { class: 'banner', role: 'alert', hidden: '' });
  const status = el('div', { class: 'status', role: 'status', 'aria-live': 'polite', id: 'status' });
  const confirm = el('div', { class: 'confirm', role: 'alertdialog', 'aria-modal': 'false', 'aria-labelledby': 'confirm-text', hidden: '' });
  const main = el('main', { class: 'content', id: 'content' });
  const toast = el('div', { class: 'toast', role: 'status', 'aria-live': 'polite', hidden: '' });

  const root = el(
    'div',
    { class: 'shell' },
    el(
      'header',
      { class: 'header' },
      // VS Code titles the sidebar view itself; the stylesheet shows this only in the console.
      el(
        'div',
        { class: 'brand' },
        icon('history'),
        el('span', {}, 'Kairos'),
        el('span', { class: 'brand-sub' }, 'memories'),
        opts.accountLink ? el('a', { class: 'link account-link', href: ACCOUNT_PAGE_HREF }, icon('account'), el('span', {}, 'Account')) : null,
      ),
      spaceSlot,
      el('div', { class: 'search-row' }, search, captureToggle),
    ),
    capture,
    banner,
    confirm,
    status,
    main,
    toast,
  );
  return { root, spaceSlot, search, capture, captureText, captureTags, captureToggle, captureNote, banner, status, confirm, main, toast };
}

/** The space switcher appears only when there is more than one space to choose from. */
export function renderSpaces(slot: HTMLElement, spaces: SpaceInfo[], selected: string | undefined, choose: (space: string) => void): void {
  clear(slot);
  if (spaces.length <= 1) {
    slot.hidden = true;
    return;
  }
  slot.hidden = false;
  const options = spaces.map((s) => ({ value: s.space, label: `${s.kind === 'personal' ? 'Personal' : s.label} (${s.count})` }));
  slot.append(icon(spaces.find((s) => s.space === selected)?.kind === 'org' ? 'organization' : 'account'), dropdown('Memory space', options, selected, choose));
}

export function renderBanner(banner: HTMLElement, error: ErrorPayload | undefined, dismiss: () => void): void {
  clear(banner);
  banner.hidden = !error;
  if (!error) return;
  banner.append(
    icon('error'),
    el('span', { class: 'banner-text' }, error.message),
    iconButton('Dismiss error', 'close', () => dismiss()),
  );
}

export interface SimilarOffer {
  /** The existing memory's text, shortened for the button. */
  similarText: string;
  replace(): void;
  keepBoth(): void;
}

/**
 * The capture form's note: a refusal (role=alert, tied to the text by aria-describedby) or,
 * after a save close to an existing memory, "Replace …" and "Keep both". Returns the button
 * that should take focus, if any.
 */
export function renderCaptureNote(
  c: Pick<Chrome, 'captureNote' | 'captureText'>,
  error: ErrorPayload | undefined,
  offer: SimilarOffer | undefined,
): HTMLElement | undefined {
  const node = c.captureNote;
  clear(node);
  node.hidden = !error && !offer;
  node.removeAttribute('role');
  if (error) {
    node.setAttribute('role', 'alert');
    node.className = 'capture-note error';
    node.append(icon('error'), el('span', { class: 'capture-note-text' }, error.message));
    c.captureText.setAttribute('aria-invalid', 'true');
    c.captureText.setAttribute('aria-describedby', 'capture-note');
    return undefined;
  }
  c.captureText.removeAttribute('aria-invalid');
  c.captureText.removeAttribute('aria-describedby');
  if (!offer) return undefined;
  node.className = 'capture-note similar';
  const keep = button({ label: 'Keep both', appearance: 'secondary', id: 'capture-keep', onClick: () => offer.keepBoth() });
  node.append(
    el(
      'p',
      { class: 'capture-note-text', id: 'capture-similar-text' },
      icon('info'),
      'Saved. Kairos already has a similar memory: “',
      el('span', { class: 'quote' }, offer.similarText),
      '”',
    ),
    el(
      'div',
      { class: 'actions', role: 'group', 'aria-labelledby': 'capture-similar-text' },
      button({ label: `Replace “${offer.similarText}”`, icon: 'replace', id: 'capture-replace', onClick: () => offer.replace() }),
      keep,
    ),
  );
  return keep;
}

export function renderConfirm(node: HTMLElement, what: string | undefined, yes: () => void, no: () => void): HTMLElement | undefined {
  clear(node);
  node.hidden = what === undefined;
  if (what === undefined) return undefined;
  const del = button({ label: 'Delete', icon: 'trash', id: 'confirm-delete', onClick: () => yes() });
  node.append(
    el('span', { id: 'confirm-text', class: 'confirm-text' }, 'Delete “', el('span', { class: 'quote' }, what), '”?'),
    el('div', { class: 'actions' }, del, button({ label: 'Cancel', appearance: 'secondary', onClick: () => no() })),
  );
  return del;
}

/** Bottom toast: the latest notice and, while a delete can be undone, its Undo button. */
export function renderToast(node: HTMLElement, pending: PendingDelete | undefined, notice: string | undefined, undo: (id: string) => void): void {
  clear(node);
  node.hidden = !pending && !notice;
  if (notice) node.append(el('div', { class: 'toast-item notice' }, icon('info'), el('span', { class: 'toast-text' }, notice)));
  if (pending) {
    node.append(
      el(
        'div',
        { class: 'toast-item' },
        icon('trash'),
        el('span', { class: 'toast-text' }, 'Memory deleted.'),
        button({ label: 'Undo', appearance: 'secondary', id: 'undo', onClick: () => undo(pending.id) }),
      ),
    );
  }
}
