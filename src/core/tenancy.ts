/**
 * Per-request tenant context. Built by the edge from the verified credential only; the core
 * never reads a user id from a request body. There is no module-level tenant state.
 */
import { ForbiddenError } from './errors.js';
import type { Embedder } from './ports.js';

export type SpaceRole = 'owner' | 'writer' | 'reader';

export interface SpaceGrant {
  /** Collection name, e.g. kairos_user_<uid> or kairos_org_<oid>. */
  space: string;
  role: SpaceRole;
  /** Human label for UIs ("Personal", the org's name). */
  label: string;
  kind: 'personal' | 'org';
}

export interface Principal {
  /** The Kairos user id this credential resolves to. */
  uid: string;
  /** How the credential was obtained: local token, api key, github, oidc… */
  via: string;
  /** Scopes granted by the credential (read, write, admin). */
  scopes: ReadonlyArray<'read' | 'write' | 'admin'>;
  displayName?: string;
}

export interface TenantContext {
  readonly principal: Principal;
  /** Spaces the principal may use; the first personal one is the default. */
  readonly spaces: readonly SpaceGrant[];
  /** The principal's own embedder, used in every space that has none of its own. */
  readonly embedder: Embedder;
  /**
   * Spaces with an embedder of their own (an org's shared key), by space name. Kept apart from
   * `spaces`, which is shown to clients, so no embedder (or its key) is ever serialised.
   */
  readonly spaceEmbedders?: ReadonlyMap<string, Embedder>;
  /**
   * Set when the credential is genuine but maps to no account yet (a connector's unknown channel
   * user under the "refuse" policy): every memory operation is refused with this message.
   */
  readonly refusal?: string;
}

/** Throws the context's refusal, when it has one. */
export function assertServed(ctx: TenantContext): void {
  if (ctx.refusal !== undefined) throw new ForbiddenError(ctx.refusal);
}

/** The embedder that writes and searches `space`: the space's own, else the context's. */
export function embedderFor(ctx: TenantContext, space: string): Embedder {
  return ctx.spaceEmbedders?.get(space) ?? ctx.embedder;
}

export function defaultSpace(ctx: TenantContext): SpaceGrant {
  assertServed(ctx);
  const personal = ctx.spaces.find((s) => s.kind === 'personal') ?? ctx.spaces[0];
  if (!personal) throw new ForbiddenError('This credential has no memory space. Sign in again.');
  return personal;
}

/** Resolves a requested space (or the default) and checks the role allows the access. */
export function authorizeSpace(ctx: TenantContext, requested: string | undefined, access: 'read' | 'write'): SpaceGrant {
  assertServed(ctx);
  const grant = requested ? ctx.spaces.find((s) => s.space === requested) : defaultSpace(ctx);
  // Same answer for "does not exist" and "not yours": no probing of other tenants' spaces.
  if (!grant) throw new ForbiddenError(`You have no access to space "${requested}".`);
  if (!ctx.principal.scopes.includes(access) && !ctx.principal.scopes.includes('admin')) {
    throw new ForbiddenError(`This credential lacks the "${access}" scope.`);
  }
  if (access === 'write' && grant.role === 'reader') {
    throw new ForbiddenError(`You can read but not write space "${grant.label}" (role: reader).`);
  }
  return grant;
}

/** Every space the context may read; refuses (as authorizeSpace does) a context that may read none. */
export function readableSpaces(ctx: TenantContext): SpaceGrant[] {
  authorizeSpace(ctx, undefined, 'read');
  return ctx.spaces.filter((g) => {
    try {
      authorizeSpace(ctx, g.space, 'read');
      return true;
    } catch {
      return false;
    }
  });
}
