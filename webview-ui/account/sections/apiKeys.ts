/**
 * API keys: the list (never the keys themselves), revoke with confirmation, and the create form,
 * after which the new key is shown once.
 */
import { el } from '../../dom.js';
import type { AccountContext, SectionHandle } from '../context.js';
import { keyDetails, keyState } from '../format.js';
import { createKeyBody } from '../forms.js';
import { itemList, itemRow, revokeButton, scopeChips } from '../items.js';
import { KEY_SCOPES, type ApiKeyInfo, type CreatedKey, type Scope } from '../types.js';
import { alertSlot, attempt, busy, button, checkbox, field, setInvalid, showOnce, uid } from '../ui.js';
import { pageSection } from './nav.js';

const SCOPE_HINTS: Record<Scope, string> = {
  read: 'search and read memories',
  write: 'save, edit and delete memories',
  admin: 'manage this account: keys, linked accounts, team spaces',
};

/** Today as a date input's "YYYY-MM-DD" (UTC, as the expiry is the end of that UTC day). */
function today(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function apiKeysSection(ctx: AccountContext): SectionHandle {
  const s = pageSection('api-keys', 'key', 'Keys let scripts, the CLI and MCP clients act as you. Give each one its own key so you can revoke it alone.');
  const created = el('div', { class: 'created', 'aria-live': 'polite' });

  const name = field({ label: 'Key name', id: 'key-name', placeholder: 'e.g. laptop CLI', maxLength: 100 });
  const scopes = KEY_SCOPES.map((sc) => ({ scope: sc, ...checkbox(sc, sc !== 'admin', SCOPE_HINTS[sc]) }));
  const scopeSet = el('fieldset', { class: 'scopes' }, el('legend', { class: 'label' }, 'Scopes'), ...scopes.map((c) => c.wrap));
  const expiry = field({ label: 'Expires on', id: 'key-expiry', type: 'date', hint: 'Optional: the key stops working at the end of that day (UTC).' });
  const formAlert = alertSlot();
  const createBtn = button({ label: 'Create key', icon: 'add', kind: 'primary', type: 'submit' });

  const keyRow = (k: ApiKeyInfo, now: Date): HTMLElement => {
    const state = keyState(k, now);
    const nameId = uid('key');
    const row = itemRow(
      [
        el('strong', { id: nameId }, k.name),
        el('code', { class: 'mono muted', title: 'Key prefix' }, `${k.prefix}…`),
        state !== 'active' ? el('span', { class: `badge badge-${state}` }, state) : null,
      ],
      [scopeChips(k.scopes), el('span', {}, keyDetails(k, now))],
    );
    if (state !== 'active') {
      row.classList.add('inactive');
      return row;
    }
    const alert = alertSlot();
    const revoke = revokeButton(nameId, alert, `Revoke “${k.name}”? Anything using this key stops working at once.`, async () => {
      await ctx.api.revokeKey(k.id);
      await load();
    });
    row.append(el('div', { class: 'actions' }, revoke), alert.node);
    return row;
  };
  const keys = itemList({ label: 'Your API keys', empty: 'No API keys yet.', row: keyRow, now: () => ctx.now() });

  const showCreated = (k: CreatedKey): void =>
    showOnce(created, `copy the key for “${k.name}” now. Kairos keeps only a hash; after a reload it is gone.`, 'Your new key', k.key);

  const form = el(
    'form',
    { class: 'form', 'aria-label': 'Create an API key', novalidate: '' },
    el('h3', { class: 'sub' }, 'New key'),
    el('div', { class: 'grid' }, name.wrap, expiry.wrap),
    scopeSet,
    el('div', { class: 'actions' }, createBtn),
    formAlert.node,
  ) as HTMLFormElement;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    formAlert.clear();
    const out = createKeyBody(
      { name: name.input.value, scopes: scopes.filter((c) => c.input.checked).map((c) => c.scope), expiry: expiry.input.value },
      ctx.now(),
    );
    setInvalid(name.input, !out.ok && out.field === 'name');
    setInvalid(expiry.input, !out.ok && out.field === 'expiry');
    if (!out.ok) {
      formAlert.show(out.message);
      (out.field === 'expiry' ? expiry.input : out.field === 'scopes' ? scopes[0]?.input : name.input)?.focus();
      return;
    }
    void busy(createBtn, () =>
      attempt(formAlert, async () => {
        const k = await ctx.api.createKey(out.value);
        name.input.value = '';
        expiry.input.value = '';
        showCreated(k);
        await load();
      }),
    );
  });

  s.body.append(keys.node, keys.alert.node, created, form);

  const load = async (): Promise<void> => {
    expiry.input.min = today(ctx.now());
    await keys.load(async () => (await ctx.api.keys()).items);
  };
  return { root: s.root, load };
}
