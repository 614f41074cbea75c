/** Team spaces: memberships, create, invite (owners), join with a code, leave. */
import { clear, el, icon } from '../../dom.js';
import type { AccountContext, SectionHandle } from '../context.js';
import { roleName, validUntil } from '../format.js';
import { codeValue, teamName } from '../forms.js';
import { TEAM_ROLES, type SpaceRole, type Team } from '../types.js';
import { alertSlot, busy, button, confirmed, copyField, emptyLine, field, loadingLine, section, selectField, setInvalid, showError, statusSlot, uid } from '../ui.js';
import { sectionTitle } from './nav.js';

export function leaveQuestion(t: Pick<Team, 'name' | 'role'>): string {
  const owner = t.role === 'owner' ? ' As an owner, you can leave only once another owner remains or you are the last member.' : '';
  return `Leave “${t.name}”? If you are its last member, the team space and all its memories are deleted for good.${owner}`;
}

export function teamsSection(ctx: AccountContext): SectionHandle {
  const s = section('teams', sectionTitle('teams'), 'organization', 'Shared memory spaces. Everyone in a team space can read it; writers and owners can change it.');
  const list = el('ul', { class: 'items', 'aria-label': 'Your team spaces' });
  const listAlert = alertSlot();
  const listStatus = statusSlot();

  const row = (t: Team): HTMLElement => {
    const nameId = uid('team');
    const alert = alertSlot();
    const out = el('div', { class: 'created', 'aria-live': 'polite' });
    const actions = el('div', { class: 'actions' });
    if (t.role === 'owner') {
      const role = selectField(
        'Invite role',
        TEAM_ROLES.map((r) => ({ value: r, label: roleName(r) })),
        'writer',
      );
      role.wrap.classList.add('compact');
      const invite = button({
        label: 'Invite',
        icon: 'person-add',
        describedBy: nameId,
        onClick: (e) =>
          void busy(e.currentTarget as HTMLButtonElement, async () => {
            alert.clear();
            try {
              const inv = await ctx.api.invite(t.oid, role.select.value as SpaceRole);
              clear(out);
              out.append(el('div', { class: 'once' }, copyField('Code to share', inv.code, `Joins as ${roleName(inv.role).toLowerCase()}. ${validUntil(inv.expiresAt)}`)));
            } catch (err) {
              showError(alert, err);
            }
          }),
      });
      actions.append(role.wrap, invite);
    }
    const leave: HTMLButtonElement = button({
      label: 'Leave',
      icon: 'sign-out',
      kind: 'danger',
      describedBy: nameId,
      onClick: () =>
        void (async () => {
          alert.clear();
          if (!confirmed(leaveQuestion(t))) return;
          await busy(leave, async () => {
            try {
              const res = await ctx.api.leave(t.oid);
              await load();
              listStatus.show(res.deletedOrg ? `You left “${t.name}”; it had no other members, so it was deleted.` : `You left “${t.name}”.`);
            } catch (err) {
              showError(alert, err);
            }
          });
        })(),
    });
    actions.append(leave);
    return el(
      'li',
      { class: 'item' },
      el(
        'div',
        { class: 'item-main' },
        el('div', { class: 'item-title' }, icon('organization'), el('strong', { id: nameId }, t.name), el('span', { class: `badge badge-${t.role}` }, roleName(t.role))),
        el('div', { class: 'item-meta' }, el('span', { class: 'mono', title: 'Memory space' }, t.space)),
      ),
      actions,
      alert.node,
      out,
    );
  };

  /** One labelled input plus its button; the value stays when the request fails. */
  const smallForm = (o: { label: string; id: string; button: string; icon: string; aria: string; check(v: string): ReturnType<typeof codeValue>; submit(v: string): Promise<string> }): HTMLElement => {
    const f = field({ label: o.label, id: o.id, maxLength: 100, spellcheck: false });
    const b = button({ label: o.button, icon: o.icon, kind: 'primary', type: 'submit' });
    const alert = alertSlot();
    const form = el('form', { class: 'form inline-form', 'aria-label': o.aria, novalidate: '' }, el('div', { class: 'inline-row' }, f.wrap, b), alert.node) as HTMLFormElement;
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      alert.clear();
      const v = o.check(f.input.value);
      setInvalid(f.input, !v.ok);
      if (!v.ok) {
        alert.show(v.message);
        f.input.focus();
        return;
      }
      void busy(b, async () => {
        try {
          const done = await o.submit(v.value);
          f.input.value = '';
          await load();
          listStatus.show(done);
        } catch (err) {
          showError(alert, err);
        }
      });
    });
    return form;
  };

  const create = smallForm({
    label: 'Team name',
    id: 'team-name',
    button: 'Create team',
    icon: 'add',
    aria: 'Create a team space',
    check: teamName,
    submit: async (name) => `Created “${(await ctx.api.createTeam(name)).name}”. Invite people with a code.`,
  });
  const join = smallForm({
    label: 'Invite code',
    id: 'invite-code',
    button: 'Join',
    icon: 'sign-in',
    aria: 'Join a team space',
    check: (v) => codeValue(v),
    submit: async (code) => `Joined “${(await ctx.api.join(code)).name}”.`,
  });

  list.append(el('li', { class: 'item' }, loadingLine()));
  s.body.append(list, listAlert.node, listStatus.node, el('div', { class: 'two-up' }, create, join));

  const load = async (): Promise<void> => {
    try {
      const { items } = await ctx.api.teams();
      clear(list);
      listAlert.clear();
      listStatus.show(undefined);
      if (items.length === 0) list.append(el('li', { class: 'item' }, emptyLine('You are not in any team space yet.')));
      for (const t of items) list.append(row(t));
    } catch (err) {
      clear(list);
      showError(listAlert, err);
    }
  };
  return { root: s.root, load };
}
