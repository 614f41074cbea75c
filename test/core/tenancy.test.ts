import { describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../src/core/errors.js';
import type { Embedder } from '../../src/core/ports.js';
import { authorizeSpace, defaultSpace, type TenantContext } from '../../src/core/tenancy.js';

const embedder: Embedder = {
  info: { provider: 'none', model: 'none', dimension: 1 },
  embed: () => Promise.reject(new Error('not used')),
};

function ctx(scopes: TenantContext['principal']['scopes']): TenantContext {
  return {
    principal: { uid: 'u1', via: 'test', scopes },
    embedder,
    spaces: [
      { space: 'kairos_org_team', role: 'reader', label: 'Team', kind: 'org' },
      { space: 'kairos_user_u1', role: 'owner', label: 'Personal', kind: 'personal' },
    ],
  };
}

describe('tenancy', () => {
  it('defaults to the personal space even when an org is listed first', () => {
    expect(defaultSpace(ctx(['read'])).space).toBe('kairos_user_u1');
  });

  it('refuses a space the context does not hold, without saying whether it exists', () => {
    expect(() => authorizeSpace(ctx(['read', 'write']), 'kairos_user_u2', 'read')).toThrow(ForbiddenError);
  });

  it('lets a reader read but not write an org space', () => {
    expect(authorizeSpace(ctx(['read', 'write']), 'kairos_org_team', 'read').role).toBe('reader');
    expect(() => authorizeSpace(ctx(['read', 'write']), 'kairos_org_team', 'write')).toThrow(/role: reader/);
  });

  it('enforces credential scopes independently of space roles', () => {
    expect(() => authorizeSpace(ctx(['read']), undefined, 'write')).toThrow(/"write" scope/);
    expect(authorizeSpace(ctx(['admin']), undefined, 'write').space).toBe('kairos_user_u1');
  });

  it('has no default space when the context holds none', () => {
    expect(() => defaultSpace({ ...ctx(['read']), spaces: [] })).toThrow(ForbiddenError);
  });
});

describe('tenancy with a refusal', () => {
  it('refuses every space, the default one included, with the refusal message', () => {
    const refused: TenantContext = { ...ctx(['read', 'write']), spaces: [], refusal: 'Link this chat account first.' };
    expect(() => defaultSpace(refused)).toThrow('Link this chat account first.');
    expect(() => authorizeSpace(refused, undefined, 'read')).toThrow(ForbiddenError);
    expect(() => authorizeSpace({ ...refused, spaces: ctx(['read']).spaces }, 'kairos_user_u1', 'read')).toThrow('Link this chat account first.');
  });
});
