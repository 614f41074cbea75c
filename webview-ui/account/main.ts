/**
 * Entry point of the Account page (/account, service mode): builds the sections, loads them, and
 * sends the person to sign in again when any request answers 401.
 */
import { el } from '../dom.js';
import { createApiClient, SIGN_IN_URL } from './api.js';
import type { AccountContext, SectionHandle } from './context.js';
import { accountApi } from './routes.js';
import { apiKeysSection } from './sections/apiKeys.js';
import { connectorsSection } from './sections/connectors.js';
import { deleteAccountSection } from './sections/deleteAccount.js';
import { embeddingSection } from './sections/embedding.js';
import { headerSection } from './sections/header.js';
import { linkedAccountsSection } from './sections/linkedAccounts.js';
import { mcpClientsSection } from './sections/mcpClients.js';
import { pageNav } from './sections/nav.js';
import { teamsSection } from './sections/teams.js';

function start(root: HTMLElement): void {
  let leaving = false;
  const navigate = (url: string): void => {
    leaving = true;
    window.location.assign(url);
  };
  const client = createApiClient({
    onUnauthorized: () => {
      if (!leaving) navigate(SIGN_IN_URL);
    },
  });
  const ctx: AccountContext = {
    api: accountApi(client),
    now: () => new Date(),
    navigate,
    reloadAll: async () => {
      await Promise.all(all.map((s) => s.load()));
    },
  };
  const header = headerSection(ctx);
  const sections: SectionHandle[] = [
    embeddingSection(ctx),
    apiKeysSection(ctx),
    mcpClientsSection(ctx),
    linkedAccountsSection(ctx),
    teamsSection(ctx),
    connectorsSection(ctx),
    deleteAccountSection(ctx),
  ];
  const all: SectionHandle[] = [header, ...sections];
  root.removeAttribute('aria-busy');
  root.append(header.root, el('main', { class: 'page', id: 'main' }, pageNav(), ...sections.map((s) => s.root)));

  void ctx.reloadAll().then(() => {
    // Deep links (/account#teams) land on their section once it has its content.
    const target = window.location.hash ? document.getElementById(decodeURIComponent(window.location.hash.slice(1))) : null;
    target?.scrollIntoView();
  });
}

start(document.getElementById('account') ?? document.body);
