/**
 * What the view shows instead of a list when remote mode cannot be reached yet: why, and the
 * actions that fix it. VS Code shows no `viewsWelcome` content in webview views (only tree
 * views, microsoft/vscode#105832), so this is the view's own welcome panel.
 */
import type { SetupAction, SetupReason } from '../../src/protocol/messages.js';
import { el } from '../dom.js';
import { button } from '../toolkit.js';

const TEXT: Record<SetupReason, { title: string; body: string }> = {
  'no-server-url': {
    title: 'Connect to your Kairos service',
    body: 'Remote mode needs the address of the shared Kairos service. Set the server URL, then sign in. Or keep your memories on this machine with local mode.',
  },
  'signed-out': {
    title: 'Sign in to Kairos',
    body: 'Remote mode uses your account on the shared Kairos service. Sign in to see your memories, or keep them on this machine with local mode.',
  },
};

export function renderSetup(reason: SetupReason, act: (action: SetupAction) => void): HTMLElement {
  const t = TEXT[reason];
  const urlFirst = reason === 'no-server-url';
  const setUrl = button({
    label: 'Set server URL',
    icon: 'link',
    appearance: urlFirst ? 'primary' : 'secondary',
    id: 'setup-server-url',
    onClick: () => act('setServerUrl'),
  });
  const signIn = button({
    label: 'Sign in',
    icon: 'account',
    appearance: urlFirst ? 'secondary' : 'primary',
    id: 'setup-sign-in',
    onClick: () => act('signIn'),
  });
  const local = el('a', { class: 'link', href: '#', id: 'setup-use-local', role: 'button' }, 'Use local mode');
  local.addEventListener('click', (e) => {
    e.preventDefault();
    act('useLocal');
  });
  return el(
    'section',
    { class: 'empty setup', id: 'setup', 'aria-labelledby': 'setup-title', 'data-reason': reason },
    el('span', { class: 'codicon codicon-plug empty-icon', 'aria-hidden': 'true' }),
    el('h2', { id: 'setup-title' }, t.title),
    el('p', {}, t.body),
    el('div', { class: 'setup-actions' }, ...(urlFirst ? [setUrl, signIn] : [signIn, setUrl])),
    local,
  );
}
