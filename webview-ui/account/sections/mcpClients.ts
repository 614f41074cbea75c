/** Connected MCP clients: the OAuth grants this person approved, each revocable. */
import { el, icon } from '../../dom.js';
import type { AccountContext, SectionHandle } from '../context.js';
import { formatDate, lastUsed } from '../format.js';
import { itemList, itemRow, revokeButton, scopeChips } from '../items.js';
import type { OAuthGrant } from '../types.js';
import { alertSlot, uid } from '../ui.js';
import { pageSection } from './nav.js';

export function grantName(g: Pick<OAuthGrant, 'clientName' | 'clientId'>): string {
  return g.clientName?.trim() || g.clientId;
}

export function mcpClientsSection(ctx: AccountContext): SectionHandle {
  const s = pageSection('mcp-clients', 'plug', 'Agents and editors you allowed to use your memories over MCP. Revoking one signs it out; it can ask again.');

  const row = (g: OAuthGrant, now: Date): HTMLElement => {
    const nameId = uid('grant');
    const alert = alertSlot();
    const shown = grantName(g);
    const revoke = revokeButton(nameId, alert, `Revoke access for “${shown}”? It can no longer read or change your memories.`, async () => {
      await ctx.api.revokeGrant(g.id);
      await load();
    });
    return itemRow(
      [icon('hubot'), el('strong', { id: nameId }, shown), g.clientName ? el('code', { class: 'mono muted small', title: 'Client id' }, g.clientId) : null],
      [scopeChips(g.scopes), el('span', {}, `Connected ${formatDate(g.createdAt)} · last used ${lastUsed(g.lastUsedAt, now)}`)],
      el('div', { class: 'actions' }, revoke),
      alert.node,
    );
  };

  const grants = itemList({ label: 'Connected MCP clients', empty: 'No MCP client is connected.', row, now: () => ctx.now() });
  const load = (): Promise<void> => grants.load(async () => (await ctx.api.grants()).items);

  s.body.append(grants.node, grants.alert.node);
  return { root: s.root, load };
}
