/** Team spaces: memberships, create, invite (owners), join with a code, leave. */
import { clear, el, icon } from '../../dom.js';
import type { AccountContext, SectionHandle } from '../context.js';
import { roleName, validUntil } from '../format.js';
import { codeValue, teamName } from '../forms.js';
import { itemList, itemRow } from '../items.js';
import { TEAM_ROLES, type SpaceRole, type Team } from '../types.js';
import { actionButton, alertSlot, attempt, busy, button, confirmed, copyField, field, selectField, setInvalid, statusSlot, uid } from '../ui.js';
import { pageSection } from './nav.js';

export function leaveQuestion(t: Pick<Team, 'name' | 'role'>): string {
  const owner = t.role === 'owner' ? ' As an owner, you can leave only once another owner remains or you are the last member.' : '';
  return `Leave “${t.name}”? If you are its last member, the team space and all its memories are deleted for good.${owner}`;
}

export function teamsSection(ctx: AccountContext): SectionHandle {
  const s = pageSection('teams', 'organization', 'Shared memory spaces. Everyone in a team space can read it; writers and owners can change it.');
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
      const invite = actionButton({
        label: 'Invite',
        icon: 'person-add',
        describedBy: nameId,
        alert,
        run: async () => {
          const inv = await ctx.api.invite(t.oid, role.select.value as SpaceRole);
          clear(out);
          out.append(
            el('div', { class: 'once' }, copyField('Code to share', inv.code, `Joins as ${roleName(inv.role).toLowerCase()}. ${validUntil(inv.expiresAt)}`)),
          );
        },
      });
      actions.append(role.wrap, invite);
    }
    const leave = actionButton({
      label: 'Leave',
      icon: 'sign-out',
      kind: 'danger',
      describedBy: nameId,
      alert,
      proceed: () => confirmed(leaveQuestion(t)),
      run: async () => {
        const res = await ctx.api.leave(t.oid);
        await load();
        listStatus.show(res.deletedOrg ? `You left “${t.name}”; it had no other members, so it was deleted.` : `You left “${t.name}”.`);
      },
    });
    actions.append(leave);
    return itemRow(
      [icon('organization'), el('strong', { id: nameId }, t.name), el('span', { class: `badge badge-${t.role}` }, roleName(t.role))],
      [el('span', { class: 'mono', title: 'Memory space' }, t.space)],
      actions,
      alert.node,
      out,
    );
  };
  const teams = itemList({ label: 'Your team spaces', empty: 'You are not in any team space yet.', row });

  /** One labelled input plus its button; the value stays when the request fails. */
  const smallForm = (o: {
    label: string;
    id: string;
    button: string;
    icon: string;
    aria: string;
    check(v: string): ReturnType<typeof codeValue>;
    submit(v: string): Promise<string>;
  }): HTMLElement => {
    const f = field({ label: o.label, id: o.id, maxLength: 100, spellcheck: false });
    const b = button({ label: o.button, icon: o.icon, kind: 'primary', type: 'submit' });
    const alert = alertSlot();
    const form = el(
      'form',
      { class: 'form inline-form', 'aria-label': o.aria, novalidate: '' },
      el('div', { class: 'inline-row' }, f.wrap, b),
      alert.node,
    ) as HTMLFormElement;
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
      void busy(b, () =>
        attempt(alert, async () => {
          const done = await o.submit(v.value);
          f.input.value = '';
          await load();
          listStatus.show(done);
        }),
      );
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

  s.body.append(teams.node, teams.alert.node, listStatus.node, el('div', { class: 'two-up' }, create, join));

  const load = (): Promise<void> =>
    teams.load(async () => {
      const { items } = await ctx.api.teams();
      listStatus.show(undefined);
      return items;
    });
  return { root: s.root, load };
}
