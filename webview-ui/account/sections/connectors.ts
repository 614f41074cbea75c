/**
 * Connectors (deployment admins only): the bots that speak for their channel users. The list
 * (never secrets), revoke with confirmation, and the create form, after which the secret is shown
 * once. For anyone else the server answers 403 and the section (and its nav link) stays hidden.
 */
import { el } from '../../dom.js';
import { ApiError } from '../api.js';
import type { AccountContext, SectionHandle } from '../context.js';
import { formatDate, keyState, lastUsed } from '../format.js';
import { createConnectorBody } from '../forms.js';
import { itemList, itemRow, revokeButton } from '../items.js';
import type { ConnectorInfo, CreatedConnector, FirstContactPolicy } from '../types.js';
import { alertSlot, attempt, busy, button, field, selectField, setInvalid, showOnce, uid } from '../ui.js';
import { pageSection } from './nav.js';

const POLICIES: ReadonlyArray<{ value: FirstContactPolicy; label: string }> = [
  { value: 'refuse', label: 'Refuse (people link first)' },
  { value: 'create', label: 'Create a private account' },
];

function details(c: ConnectorInfo, now: Date): string {
  const state = keyState(c, now);
  const parts = [`Created ${formatDate(c.createdAt)}`];
  if (state === 'revoked') parts.push(`revoked ${formatDate(c.revokedAt)}`);
  else parts.push(`${state === 'expired' ? 'expired' : 'expires'} ${formatDate(c.expiresAt)}`);
  parts.push(`last used ${lastUsed(c.lastUsedAt, now)}`);
  return parts.join(' · ');
}

export function connectorsSection(ctx: AccountContext): SectionHandle {
  const s = pageSection(
    'connectors',
    'comment-discussion',
    'Bots and other multi-user clients that act for the people of one channel (Telegram, Discord, Slack, a web app). Only deployment admins see this.',
  );
  const created = el('div', { class: 'created', 'aria-live': 'polite' });

  const name = field({ label: 'Connector name', id: 'connector-name', placeholder: 'e.g. Home Telegram bot', maxLength: 100 });
  const channel = field({
    label: 'Channel',
    id: 'connector-channel',
    placeholder: 'telegram',
    maxLength: 32,
    hint: 'A lowercase id: telegram, discord, slack, web…',
  });
  const policy = selectField('First contact', POLICIES, 'refuse', 'connector-policy');
  const expiry = field({ label: 'Expires on', id: 'connector-expiry', type: 'date', hint: 'Optional: default one year.' });
  const formAlert = alertSlot();
  const createBtn = button({ label: 'Create connector', icon: 'add', kind: 'primary', type: 'submit' });

  const row = (c: ConnectorInfo, now: Date): HTMLElement => {
    const state = keyState(c, now);
    const nameId = uid('connector');
    const item = itemRow(
      [
        el('strong', { id: nameId }, c.name),
        el('span', { class: 'chip' }, c.channelType),
        el('code', { class: 'mono muted', title: 'Secret prefix' }, `${c.prefix}…`),
        state !== 'active' ? el('span', { class: `badge badge-${state}` }, state) : null,
      ],
      [el('span', {}, `First contact: ${c.firstContact} · ${details(c, now)}`)],
    );
    if (state !== 'active') {
      item.classList.add('inactive');
      return item;
    }
    const alert = alertSlot();
    const revoke = revokeButton(nameId, alert, `Revoke “${c.name}”? The bot stops reaching Kairos at once.`, async () => {
      await ctx.api.revokeConnector(c.id);
      await load();
    });
    item.append(el('div', { class: 'actions' }, revoke), alert.node);
    return item;
  };
  const list = itemList({ label: 'Connectors', empty: 'No connectors yet.', row, now: () => ctx.now() });

  const showCreated = (c: CreatedConnector): void =>
    showOnce(created, `give this secret to “${c.name}” now. Kairos keeps only a hash.`, 'Connector secret', c.secret);

  const form = el(
    'form',
    { class: 'form', 'aria-label': 'Create a connector', novalidate: '' },
    el('h3', { class: 'sub' }, 'New connector'),
    el('div', { class: 'grid' }, name.wrap, channel.wrap, policy.wrap, expiry.wrap),
    el('div', { class: 'actions' }, createBtn),
    formAlert.node,
  ) as HTMLFormElement;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    formAlert.clear();
    const fields = {
      name: name.input.value,
      channelType: channel.input.value,
      firstContact: policy.select.value as FirstContactPolicy,
      expiry: expiry.input.value,
    };
    const out = createConnectorBody(fields, ctx.now());
    for (const [f, input] of [
      ['name', name.input],
      ['channelType', channel.input],
      ['expiry', expiry.input],
    ] as const)
      setInvalid(input, !out.ok && out.field === f);
    if (!out.ok) {
      formAlert.show(out.message);
      (({ name: name.input, channelType: channel.input, expiry: expiry.input }) as Record<string, HTMLInputElement>)[out.field]?.focus();
      return;
    }
    void busy(createBtn, () =>
      attempt(formAlert, async () => {
        const c = await ctx.api.createConnector(out.value);
        name.input.value = '';
        channel.input.value = '';
        expiry.input.value = '';
        showCreated(c);
        await load();
      }),
    );
  });

  s.body.append(list.node, list.alert.node, created, form);
  const navLink = (): HTMLElement | null => document.querySelector('nav.toc a[href="#connectors"]')?.closest('li') ?? null;
  const show = (visible: boolean): void => {
    s.root.hidden = !visible;
    const li = navLink();
    if (li) li.hidden = !visible;
  };
  show(false);

  const load = async (): Promise<void> => {
    try {
      const { items } = await ctx.api.connectors();
      show(true);
      list.render(items);
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) return show(false);
      show(true);
      list.fail(err);
    }
  };
  return { root: s.root, load };
}
