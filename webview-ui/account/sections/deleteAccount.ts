/** Delete my account: export first, then type the phrase to enable the button. */
import { el } from '../../dom.js';
import type { AccountContext, SectionHandle } from '../context.js';
import { DELETE_PHRASE, matchesDeletePhrase } from '../forms.js';
import { actionButton, alertSlot, attempt, busy, button, downloadText, field, statusSlot } from '../ui.js';
import { pageSection } from './nav.js';

export const EXPORT_FILENAME = 'kairos-export.json';
export const DELETED_URL = '/auth/signin?deleted=1';

export function deleteAccountSection(ctx: AccountContext): SectionHandle {
  const s = pageSection(
    'delete-account',
    'trash',
    'Deletes your personal memories, API keys, linked sign-ins, embedding key, and every team space where you are the only member. This cannot be undone.',
  );
  s.root.classList.add('danger-zone');
  const exportAlert = alertSlot();
  const exportStatus = statusSlot();
  const exportFirst = async (): Promise<void> => {
    exportStatus.show(undefined);
    downloadText(EXPORT_FILENAME, await ctx.api.exportAccount());
    exportStatus.show(`Saved ${EXPORT_FILENAME}.`);
  };
  const exportBtn = actionButton({ label: 'Export first', icon: 'cloud-download', alert: exportAlert, run: exportFirst });

  const phrase = field({ label: `To confirm, type: ${DELETE_PHRASE}`, id: 'delete-confirm', spellcheck: false, maxLength: 64 });
  const del = button({ label: 'Delete account', icon: 'trash', kind: 'danger', type: 'submit' });
  del.disabled = true;
  phrase.input.addEventListener('input', () => {
    del.disabled = !matchesDeletePhrase(phrase.input.value);
  });
  const alert = alertSlot();
  const form = el(
    'form',
    { class: 'form', 'aria-label': 'Delete my account', novalidate: '' },
    phrase.wrap,
    el('div', { class: 'actions' }, del),
    alert.node,
  ) as HTMLFormElement;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!matchesDeletePhrase(phrase.input.value)) return;
    alert.clear();
    void busy(del, () =>
      attempt(alert, async () => {
        await ctx.api.deleteAccount();
        ctx.navigate(DELETED_URL);
      }),
    ).then(() => {
      // busy() re-enables the button; it stays enabled only while the phrase still matches.
      del.disabled = !matchesDeletePhrase(phrase.input.value);
    });
  });

  s.body.append(el('div', { class: 'actions' }, exportBtn), exportAlert.node, exportStatus.node, form);
  return { root: s.root, load: async () => undefined };
}
