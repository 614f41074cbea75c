/** The page header: who is signed in, the way back to the memories, sign out (here / everywhere). */
import { append, clear, el, icon } from '../../dom.js';
import type { AccountContext, SectionHandle } from '../context.js';
import type { MeResponse } from '../types.js';
import { alertSlot, busy, button, showError } from '../ui.js';

/** After signing out: the sign-in page, which then says "You are signed out." */
export const SIGNED_OUT_URL = '/auth/signin?signedout=1';

export function headerSection(ctx: AccountContext): SectionHandle & { render(me: MeResponse): void } {
  const who = el('div', { class: 'who', 'aria-live': 'polite' });
  const alert = alertSlot();
  const signOut = (everywhere: boolean) => async (e: MouseEvent) => {
    alert.clear();
    await busy(e.currentTarget as HTMLButtonElement, async () => {
      try {
        await (everywhere ? ctx.api.signOutEverywhere() : ctx.api.signOut());
        ctx.navigate(SIGNED_OUT_URL);
      } catch (err) {
        showError(alert, err);
      }
    });
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
        button({ label: 'Sign out', icon: 'sign-out', onClick: signOut(false) }),
        button({ label: 'Sign out everywhere', icon: 'debug-disconnect', onClick: signOut(true) }),
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
    async load() {
      try {
        render(await ctx.api.me());
      } catch (err) {
        showError(alert, err);
      }
    },
  };
}
