/**
 * The lists of the Account page (API keys, MCP clients, linked sign-ins, team spaces): a labelled
 * <ul class="items"> with a loading row, an empty line, one row per item, and an alert for a
 * failed load.
 */
import { clear, el, type Child } from '../dom.js';
import { formatScopes } from './format.js';
import { actionButton, alertSlot, confirmed, emptyLine, loadingLine, showError, type Alert } from './ui.js';

export interface ItemListOptions<T> {
  /** The list's accessible name. */
  label: string;
  /** The line shown when there are no items. */
  empty: string;
  /** One <li>; every row of one render gets the same `now`. */
  row(item: T, now: Date): HTMLElement;
  /** The clock for `now`; default: the browser's. */
  now?: () => Date;
}

export interface ItemList<T> {
  /** The <ul>; it shows a loading row until the first render or failure. */
  node: HTMLElement;
  /** Why the last load failed (role="alert"); it belongs right after the list. */
  alert: Alert;
  /** Replaces the rows with the items' (or the empty line) and clears the alert. */
  render(items: readonly T[]): void;
  /** Empties the list and shows why in the alert (nothing for a 401). */
  fail(err: unknown): void;
  /** Renders what `fetch` answers, or fails with why it did not. */
  load(fetch: () => Promise<readonly T[]>): Promise<void>;
}

export function itemList<T>(o: ItemListOptions<T>): ItemList<T> {
  const node = el('ul', { class: 'items', 'aria-label': o.label }, el('li', { class: 'item' }, loadingLine()));
  const alert = alertSlot();
  const render = (items: readonly T[]): void => {
    clear(node);
    alert.clear();
    if (items.length === 0) {
      node.append(el('li', { class: 'item' }, emptyLine(o.empty)));
      return;
    }
    const now = o.now?.() ?? new Date();
    for (const item of items) node.append(o.row(item, now));
  };
  const fail = (err: unknown): void => {
    clear(node);
    showError(alert, err);
  };
  return {
    node,
    alert,
    render,
    fail,
    async load(fetch) {
      try {
        render(await fetch());
      } catch (err) {
        fail(err);
      }
    },
  };
}

/** One row: its title line and meta line, then what follows them (actions, an alert, output). */
export function itemRow(title: Child[], meta: Child[], ...after: Child[]): HTMLElement {
  return el(
    'li',
    { class: 'item' },
    el('div', { class: 'item-main' }, el('div', { class: 'item-title' }, ...title), el('div', { class: 'item-meta' }, ...meta)),
    ...after,
  );
}

/** The scopes of a key or client as chips, in the order formatScopes gives them. */
export function scopeChips(scopes: readonly string[]): HTMLElement {
  return el(
    'span',
    { class: 'chips', title: 'Scopes' },
    ...formatScopes(scopes)
      .split(', ')
      .map((sc) => el('span', { class: 'chip' }, sc)),
  );
}

/** A row's "Revoke" button: asks `question` first, then runs `revoke`; a failure is shown in `alert`. */
export function revokeButton(describedBy: string, alert: Alert, question: string, revoke: () => Promise<unknown>): HTMLButtonElement {
  return actionButton({ label: 'Revoke', icon: 'circle-slash', kind: 'danger', describedBy, alert, proceed: () => confirmed(question), run: revoke });
}
