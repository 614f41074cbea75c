/** The page header: who is signed in, the way back to the memories, sign out (here / everywhere). */
import { append, clear, el, icon } from '../../dom.js';
import type { AccountContext, SectionHandle } from '../context.js';
import type { MeResponse } from '../types.js';
import { actionButton, alertSlot, attempt } from '../ui.js';

/** After signing out: the sign-in page, which then says "You are signed out." */
export const SIGNED_OUT_URL = '/auth/signin?signedout=1';

export function headerSection(ctx: AccountContext): SectionHandle & { render(me: MeResponse): void } {
  const who = el('div', { class: 'who', 'aria-live': 'polite' });
  const alert = alertSlot();
  const signOut = (everywhere: boolean) => async (): Promise<void> => {
    await (everywhere ? ctx.api.signOutEverywhere() : ctx.api.signOut());
    ctx.navigate(SIGNED_OUT_URL);
  };
  const root = el(
    'header',
    { class: 'top' },
    el(
      'div',
      { class: 'top-row' },
      el('div', { class: 'brand' }, icon('history'), el('span', {}, 'Kairos'), el('span', { class: 'brand-sub' }, 'account')),
      el('a', { class: 'back link', href: '/' }, icon('arrow-left'), el('span', {}, 'Memories')),
    ),
    el(
      'div',
      { class: 'top-row session' },
      who,
      el(
        'div',
        { class: 'actions' },
        actionButton({ label: 'Sign out', icon: 'sign-out', alert, run: signOut(false) }),
        actionButton({ label: 'Sign out everywhere', icon: 'debug-disconnect', alert, run: signOut(true) }),
      ),
    ),
    alert.node,
  );

  const render = (me: MeResponse): void => {
    clear(who);
    const name = me.principal.displayName?.trim();
    append(who, [
      icon('account'),
      el('span', {}, 'Signed in as ', el('strong', {}, name || me.principal.uid)),
      name ? el('span', { class: 'muted mono small', title: 'Your Kairos user id' }, me.principal.uid) : null,
    ]);
  };

  return {
    root,
    render,
    load: () => attempt(alert, async () => render(await ctx.api.me())),
  };
}
