/** Connected MCP clients: the OAuth grants this person approved, each revocable. */
import { clear, el, icon } from '../../dom.js';
import type { AccountContext, SectionHandle } from '../context.js';
import { formatDate, formatScopes, lastUsed } from '../format.js';
import type { OAuthGrant } from '../types.js';
import { alertSlot, busy, button, confirmed, emptyLine, loadingLine, section, showError, uid } from '../ui.js';
import { sectionTitle } from './nav.js';

export function grantName(g: Pick<OAuthGrant, 'clientName' | 'clientId'>): string {
  return g.clientName?.trim() || g.clientId;
}

export function mcpClientsSection(ctx: AccountContext): SectionHandle {
  const s = section(
    'mcp-clients',
    sectionTitle('mcp-clients'),
    'plug',
    'Agents and editors you allowed to use your memories over MCP. Revoking one signs it out; it can ask again.',
  );
  const list = el('ul', { class: 'items', 'aria-label': 'Connected MCP clients' });
  const listAlert = alertSlot();

  const row = (g: OAuthGrant, now: Date): HTMLElement => {
    const nameId = uid('grant');
    const alert = alertSlot();
    const shown = grantName(g);
    const revoke: HTMLButtonElement = button({
      label: 'Revoke',
      icon: 'circle-slash',
      kind: 'danger',
      describedBy: nameId,
      onClick: () =>
        void (async () => {
          alert.clear();
          if (!confirmed(`Revoke access for “${shown}”? It can no longer read or change your memories.`)) return;
          await busy(revoke, async () => {
            try {
              await ctx.api.revokeGrant(g.id);
              await load();
            } catch (err) {
              showError(alert, err);
            }
          });
        })(),
    });
    const actions = el('div', { class: 'actions' }, revoke);
    return el(
      'li',
      { class: 'item' },
      el(
        'div',
        { class: 'item-main' },
        el(
          'div',
          { class: 'item-title' },
          icon('hubot'),
          el('strong', { id: nameId }, shown),
          g.clientName ? el('code', { class: 'mono muted small', title: 'Client id' }, g.clientId) : null,
        ),
        el(
          'div',
          { class: 'item-meta' },
          el('span', { class: 'chips', title: 'Scopes' }, ...formatScopes(g.scopes).split(', ').map((sc) => el('span', { class: 'chip' }, sc))),
          el('span', {}, `Connected ${formatDate(g.createdAt)} · last used ${lastUsed(g.lastUsedAt, now)}`),
        ),
      ),
      actions,
      alert.node,
    );
  };

  const load = async (): Promise<void> => {
    try {
      const { items } = await ctx.api.grants();
      clear(list);
      listAlert.clear();
      if (items.length === 0) list.append(el('li', { class: 'item' }, emptyLine('No MCP client is connected.')));
      const now = ctx.now();
      for (const g of items) list.append(row(g, now));
    } catch (err) {
      clear(list);
      showError(listAlert, err);
    }
  };

  list.append(el('li', { class: 'item' }, loadingLine()));
  s.body.append(list, listAlert.node);
  return { root: s.root, load };
}
