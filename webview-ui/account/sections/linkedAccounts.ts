/**
 * Linked accounts: the sign-in channels of this account (unlink all but the last), links to
 * sign in with another provider (which links it), and one-time link codes for chat and CLI
 * channels or for merging another Kairos account.
 */
import { clear, el, icon } from '../../dom.js';
import type { ApiError } from '../api.js';
import type { AccountContext, SectionHandle } from '../context.js';
import { channelLabel, formatDate, lastUsed, validUntil } from '../format.js';
import { canUnlink, codeValue, needsMergeChoice } from '../forms.js';
import { itemList, itemRow } from '../items.js';
import type { Channel, LoginProviderInfo } from '../types.js';
import { actionButton, alertSlot, busy, button, copyField, emptyLine, field, linkButton, setInvalid, showError, statusSlot, uid } from '../ui.js';
import { pageSection } from './nav.js';

/** Signing in with another provider while signed in links it, then comes back here. */
export function providerLinkHref(id: string): string {
  return `/auth/signin/${encodeURIComponent(id)}?return=/account`;
}

export const LAST_CHANNEL_MESSAGE = 'This is your only way to sign in, so it cannot be unlinked. Link another account first.';

/** The first sentence of the server's "already holds N memories" refusal, without API details. */
function mergeQuestion(message: string): string {
  const first = /^[^.]*\./.exec(message)?.[0] ?? message;
  return `${first} Move them into the account you are linking to, or leave them behind?`;
}

export function linkedAccountsSection(ctx: AccountContext): SectionHandle {
  const s = pageSection('linked-accounts', 'link', 'Every way you sign in to this Kairos account. They all open the same memories.');
  const providers = el('div', { class: 'actions providers' });
  let count = 0;

  let known: LoginProviderInfo[] = [];
  const channelRow = (c: Channel): HTMLElement => {
    const l = channelLabel(c, known);
    const titleId = uid('ch');
    const alert = alertSlot();
    const seen = [c.createdAt ? `Linked ${formatDate(c.createdAt)}` : '', c.lastSeenAt !== undefined ? `last sign-in ${lastUsed(c.lastSeenAt, ctx.now())}` : '']
      .filter(Boolean)
      .join(' · ');
    const unlink = actionButton({
      label: 'Unlink',
      icon: 'debug-disconnect',
      describedBy: titleId,
      alert,
      proceed: () => {
        if (canUnlink(count)) return true;
        alert.show(LAST_CHANNEL_MESSAGE);
        return false;
      },
      run: async () => {
        await ctx.api.unlink(c);
        await load();
      },
    });
    return itemRow(
      [icon(l.icon), el('strong', { id: titleId }, l.title)],
      [el('span', { class: 'mono', title: 'Account id at the provider' }, l.detail), seen ? el('span', {}, seen) : null],
      el('div', { class: 'actions' }, unlink),
      alert.node,
    );
  };
  const channels = itemList({ label: 'Linked sign-ins', empty: 'No linked sign-in (you are using an API key).', row: channelRow });

  const renderProviders = (items: LoginProviderInfo[]): void => {
    clear(providers);
    if (items.length === 0) providers.append(emptyLine('No other sign-in provider is available here.'));
    for (const p of items) {
      providers.append(linkButton(`Link ${p.name}`, providerLinkHref(p.id), 'sign-in'));
    }
  };

  // Link codes: make one here, redeem it on the other sign-in (or the other way round).
  const codeOut = el('div', { class: 'created', 'aria-live': 'polite' });
  const codeAlert = alertSlot();
  const getCode = actionButton({
    label: 'Get a link code',
    icon: 'key',
    alert: codeAlert,
    run: async () => {
      const out = await ctx.api.linkCode();
      clear(codeOut);
      codeOut.append(
        el(
          'div',
          { class: 'once' },
          copyField('Code to redeem elsewhere', out.code, validUntil(out.expiresAt)),
          el(
            'p',
            { class: 'hint' },
            'From a chat or CLI sign-in run ',
            el('code', {}, `kairos link redeem ${out.code}`),
            ', or redeem it on the Account page of your other Kairos account.',
          ),
        ),
      );
    },
  });

  const redeemCode = field({ label: 'Link code', id: 'link-code', spellcheck: false, maxLength: 64 });
  // The hint sits under the row so the button lines up with the input.
  const redeemHint = el(
    'p',
    { class: 'hint', id: 'link-code-hint' },
    'A code made by your other Kairos account: redeeming it makes this sign-in open that account.',
  );
  redeemCode.input.setAttribute('aria-describedby', redeemHint.id);
  const redeemBtn = button({ label: 'Redeem', icon: 'check', kind: 'primary', type: 'submit' });
  const redeemAlert = alertSlot();
  const redeemStatus = statusSlot();
  const redeem = async (code: string, merge?: boolean): Promise<void> => {
    redeemAlert.clear();
    redeemStatus.show(undefined);
    try {
      await ctx.api.redeem(code, merge);
      redeemCode.input.value = '';
      redeemStatus.show('Linked. This sign-in now opens the account that made the code.');
      await ctx.reloadAll();
    } catch (err) {
      const e = err as ApiError;
      if (typeof e?.code === 'string' && needsMergeChoice(e)) {
        const choose = (m: boolean) => (ev: MouseEvent) => void busy(ev.currentTarget as HTMLButtonElement, () => redeem(code, m));
        redeemAlert.show(
          mergeQuestion(e.message),
          el(
            'div',
            { class: 'actions' },
            button({ label: 'Move my memories', kind: 'primary', onClick: choose(true) }),
            button({ label: 'Leave them behind', onClick: choose(false) }),
          ),
        );
        return;
      }
      showError(redeemAlert, err);
    }
  };
  const redeemForm = el(
    'form',
    { class: 'form inline-form', 'aria-label': 'Redeem a link code', novalidate: '' },
    el('div', { class: 'inline-row' }, redeemCode.wrap, redeemBtn),
    redeemHint,
    redeemAlert.node,
    redeemStatus.node,
  ) as HTMLFormElement;
  redeemForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const out = codeValue(redeemCode.input.value);
    setInvalid(redeemCode.input, !out.ok);
    if (!out.ok) {
      redeemAlert.show(out.message);
      redeemCode.input.focus();
      return;
    }
    void busy(redeemBtn, () => redeem(out.value));
  });

  s.body.append(
    channels.node,
    channels.alert.node,
    el('h3', { class: 'sub' }, 'Link another sign-in'),
    el('p', { class: 'hint' }, 'Sign in with another provider while signed in here, and it is linked to this account.'),
    providers,
    el('h3', { class: 'sub' }, 'Link codes'),
    el('div', { class: 'actions' }, getCode),
    codeAlert.node,
    codeOut,
    redeemForm,
  );

  const load = async (): Promise<void> => {
    const [linked, provs] = await Promise.allSettled([ctx.api.channels(), ctx.api.providers()]);
    known = provs.status === 'fulfilled' ? provs.value.items : [];
    if (linked.status === 'fulfilled') {
      count = linked.value.items.length;
      channels.render(linked.value.items);
    } else {
      // fail() shows nothing for a 401, so an older error is cleared first.
      channels.alert.clear();
      channels.fail(linked.reason);
    }
    // The provider list is a convenience: without it the section still works.
    renderProviders(known);
  };
  return { root: s.root, load };
}
