/** "On this page": links to each section's heading. */
import { el } from '../../dom.js';
import { section, type Section } from '../ui.js';

export const SECTIONS: ReadonlyArray<{ id: string; title: string }> = [
  { id: 'embedding', title: 'Embedding' },
  { id: 'api-keys', title: 'API keys' },
  { id: 'mcp-clients', title: 'MCP clients' },
  { id: 'linked-accounts', title: 'Linked accounts' },
  { id: 'teams', title: 'Team spaces' },
  { id: 'connectors', title: 'Connectors' },
  { id: 'delete-account', title: 'Delete account' },
];

export function pageNav(): HTMLElement {
  return el(
    'nav',
    { class: 'toc', 'aria-label': 'On this page' },
    el('ul', {}, ...SECTIONS.map((s) => el('li', {}, el('a', { href: `#${s.id}`, class: 'link' }, s.title)))),
  );
}

export function sectionTitle(id: string): string {
  return SECTIONS.find((s) => s.id === id)?.title ?? id;
}

/** The card of one of SECTIONS, titled as the page's nav names it. */
export function pageSection(id: string, codicon: string, intro?: string): Section {
  return section(id, sectionTitle(id), codicon, intro);
}
