/**
 * DOM building blocks of the Account page: sections, labelled fields, buttons with a busy
 * state, alert slots, inline confirmations, copyable read-only values and downloads. Text only
 * ever becomes text nodes or attribute values (el() has no way to take HTML).
 */
import { clear, el, icon, type Child } from '../dom.js';
import { ApiError } from './api.js';

let nextId = 0;
/** A page-unique id for aria-describedby and label wiring. */
export function uid(prefix: string): string {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

export interface Section {
  root: HTMLElement;
  body: HTMLElement;
}

/**
 * A card: the <section> carries `id` (so /account#teams lands on it and tests can scope to it),
 * its h2 carries `${id}-title` and names the section.
 */
export function section(id: string, title: string, codicon: string, intro?: string): Section {
  const body = el('div', { class: 'card-body' });
  const root = el(
    'section',
    { id, class: 'card', 'aria-labelledby': `${id}-title` },
    el('h2', { id: `${id}-title`, class: 'card-title' }, icon(codicon), el('span', {}, title)),
    intro ? el('p', { class: 'intro' }, intro) : null,
    body,
  );
  return { root, body };
}

export interface FieldOptions {
  label: string;
  id?: string;
  type?: string;
  hint?: string;
  placeholder?: string;
  autocomplete?: string;
  value?: string;
  required?: boolean;
  readOnly?: boolean;
  maxLength?: number;
  spellcheck?: boolean;
}

export interface Field {
  wrap: HTMLElement;
  input: HTMLInputElement;
  label: HTMLLabelElement;
}

export function field(o: FieldOptions): Field {
  const id = o.id ?? uid('f');
  const input = el('input', {
    id,
    type: o.type ?? 'text',
    class: 'input',
    autocomplete: o.autocomplete ?? 'off',
    ...(o.placeholder ? { placeholder: o.placeholder } : {}),
    ...(o.maxLength ? { maxlength: String(o.maxLength) } : {}),
    ...(o.spellcheck === false ? { spellcheck: 'false', autocapitalize: 'off' } : {}),
  }) as HTMLInputElement;
  if (o.required) input.required = true;
  if (o.readOnly) input.readOnly = true;
  if (o.value !== undefined) input.value = o.value;
  const label = el('label', { for: id, class: 'label' }, o.label) as HTMLLabelElement;
  const hint = o.hint ? el('span', { id: `${id}-hint`, class: 'hint' }, o.hint) : null;
  if (hint) input.setAttribute('aria-describedby', hint.id);
  return { wrap: el('div', { class: 'field' }, label, input, hint), input, label };
}

/** aria-invalid="true" on the field a validation message is about; removed from the others. */
export function setInvalid(control: HTMLElement, invalid: boolean): void {
  if (invalid) control.setAttribute('aria-invalid', 'true');
  else control.removeAttribute('aria-invalid');
}

export interface SelectField {
  wrap: HTMLElement;
  select: HTMLSelectElement;
}

export function selectField(label: string, options: ReadonlyArray<{ value: string; label: string }>, selected?: string, id = uid('s')): SelectField {
  const select = el('select', { id, class: 'input select' }) as HTMLSelectElement;
  for (const o of options) {
    const opt = el('option', { value: o.value }, o.label) as HTMLOptionElement;
    if (o.value === selected) opt.selected = true;
    select.append(opt);
  }
  return { wrap: el('div', { class: 'field' }, el('label', { for: id, class: 'label' }, label), select), select };
}

export function checkbox(label: string, checked: boolean, hint?: string): { wrap: HTMLElement; input: HTMLInputElement } {
  const id = uid('c');
  const input = el('input', { id, type: 'checkbox', class: 'check' }) as HTMLInputElement;
  input.checked = checked;
  const note = hint ? el('span', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (note) input.setAttribute('aria-describedby', note.id);
  return { wrap: el('div', { class: 'check-row' }, input, el('label', { for: id }, label), note), input };
}

export interface ButtonOptions {
  label: string;
  icon?: string;
  kind?: 'primary' | 'secondary' | 'danger' | 'quiet';
  type?: 'button' | 'submit';
  onClick?: (e: MouseEvent) => void;
  describedBy?: string;
}

/** A native button: its text is its accessible name; the codicon is decorative. */
export function button(o: ButtonOptions): HTMLButtonElement {
  const b = el(
    'button',
    { type: o.type ?? 'button', class: `btn btn-${o.kind ?? 'secondary'}`, ...(o.describedBy ? { 'aria-describedby': o.describedBy } : {}) },
    o.icon ? icon(o.icon) : null,
    el('span', { class: 'btn-label' }, o.label),
  ) as HTMLButtonElement;
  if (o.onClick) b.addEventListener('click', o.onClick);
  return b;
}

/** A link styled like a button (navigation, not an action). */
export function linkButton(label: string, href: string, codicon?: string): HTMLAnchorElement {
  return el('a', { class: 'btn btn-secondary', href }, codicon ? icon(codicon) : null, el('span', { class: 'btn-label' }, label)) as HTMLAnchorElement;
}

/**
 * Runs `work` with `b` disabled and marked busy (spinner, aria-busy), then restores it, whether
 * the work succeeded or not. A second click while busy does nothing.
 */
export async function busy<T>(b: HTMLButtonElement, work: () => Promise<T>): Promise<T | undefined> {
  if (b.getAttribute('aria-busy') === 'true') return undefined;
  const glyph = b.querySelector('.codicon');
  const before = glyph?.className;
  const spinner = glyph ?? b.insertBefore(icon('loading'), b.firstChild);
  spinner.className = 'codicon codicon-loading codicon-modifier-spin';
  b.disabled = true;
  b.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    b.removeAttribute('aria-busy');
    b.disabled = false;
    if (before !== undefined) spinner.className = before;
    else spinner.remove();
  }
}

/** The message to show for a failure; undefined for a 401 (the page is already navigating away). */
export function messageOf(e: unknown): string | undefined {
  if (e instanceof ApiError) return e.code === 'unauthorized' ? undefined : e.message;
  return e instanceof Error ? e.message : String(e);
}

export interface Alert {
  node: HTMLElement;
  show(message: string | undefined, ...extra: Child[]): void;
  clear(): void;
}

/** An error line next to a form: role="alert", so screen readers announce it when it appears. */
export function alertSlot(): Alert {
  const node = el('div', { class: 'alert', role: 'alert' });
  return {
    node,
    show(message, ...extra) {
      clear(node);
      if (message === undefined) return;
      node.append(icon('error'), el('span', { class: 'alert-text' }, message), ...extra.filter((c): c is Node | string => !!c));
    },
    clear: () => clear(node),
  };
}

/** A success / progress line: role="status" (polite). */
export function statusSlot(): { node: HTMLElement; show(text: string | undefined): void } {
  const node = el('div', { class: 'status-line', role: 'status' });
  return {
    node,
    show(text) {
      clear(node);
      if (text) node.append(icon('pass'), el('span', {}, text));
    },
  };
}

/** Shows an Alert for a failure, unless it is a 401. */
export function showError(a: Alert, e: unknown): void {
  const m = messageOf(e);
  if (m !== undefined) a.show(m);
}

/** Runs `work`; a failure is shown in `a` (nothing for a 401) instead of rejecting. */
export async function attempt(a: Alert, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (err) {
    showError(a, err);
  }
}

export interface ActionOptions extends Omit<ButtonOptions, 'onClick' | 'type'> {
  /** Cleared on each press; shows why `run` failed. */
  alert: Alert;
  /** Asked after the alert is cleared and before the button turns busy; false stops there (a "no" to a confirmation, say). */
  proceed?: () => boolean;
  /** The work, with the button busy meanwhile. */
  run: () => Promise<unknown>;
}

/** A button whose press clears `alert`, then runs `run` with the button busy, showing a failure in `alert`. */
export function actionButton(o: ActionOptions): HTMLButtonElement {
  const { alert, proceed, run, ...look } = o;
  const b = button({
    ...look,
    onClick: () => {
      alert.clear();
      if (proceed && !proceed()) return;
      void busy(b, () => attempt(alert, run));
    },
  });
  return b;
}

/** The browser's own confirmation dialog: modal, keyboard-accessible, and plain text only. */
export function confirmed(question: string): boolean {
  return window.confirm(question);
}

/** Fills `slot` with a secret shown once (a new API key or connector secret), a Copy and a Done button. */
export function showOnce(slot: HTMLElement, message: string, label: string, value: string): void {
  clear(slot);
  const done = button({ label: 'Done', icon: 'check', onClick: () => clear(slot) });
  slot.append(
    el(
      'div',
      { class: 'once' },
      el('p', { class: 'once-title' }, icon('warning'), el('strong', {}, 'Shown once'), el('span', {}, ` — ${message}`)),
      copyField(label, value),
      el('div', { class: 'actions' }, done),
    ),
  );
  slot.querySelector('input')?.focus();
}

/** A read-only value with a Copy button (new API keys, link and invite codes). */
export function copyField(label: string, value: string, note?: string): HTMLElement {
  const id = uid('v');
  const input = el('input', { id, type: 'text', class: 'input mono', autocomplete: 'off', spellcheck: 'false' }) as HTMLInputElement;
  input.readOnly = true;
  input.value = value;
  input.addEventListener('focus', () => input.select());
  const hint = note ? el('span', { id: `${id}-hint`, class: 'hint' }, note) : null;
  if (hint) input.setAttribute('aria-describedby', hint.id);
  const status = el('span', { class: 'copied', role: 'status' });
  const copy = button({
    label: 'Copy',
    icon: 'copy',
    onClick: () => {
      void copyText(input).then((ok) => {
        clear(status);
        status.append(ok ? 'Copied' : 'Select the text and copy it');
      });
    },
  });
  return el('div', { class: 'field copy-field' }, el('label', { for: id, class: 'label' }, label), el('div', { class: 'copy-row' }, input, copy), hint, status);
}

async function copyText(input: HTMLInputElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(input.value);
    return true;
  } catch {
    input.focus();
    input.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    }
  }
}

/** Saves `text` as a file through a Blob URL (no server round trip, no popup). */
export function downloadText(filename: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: filename, class: 'visually-hidden' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function emptyLine(text: string): HTMLElement {
  return el('p', { class: 'empty-line' }, text);
}

export function loadingLine(): HTMLElement {
  const spin = icon('loading');
  spin.classList.add('codicon-modifier-spin');
  return el('p', { class: 'empty-line', 'aria-busy': 'true' }, spin, ' Loading…');
}
