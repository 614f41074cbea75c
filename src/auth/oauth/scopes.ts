/** The OAuth scopes Kairos's authorization server grants, and what each allows inside Kairos. */
import type { Principal } from '../../core/tenancy.js';

export const OAUTH_SCOPES = {
  'memories:read': { grants: 'read', label: 'Search and read your memories' },
  'memories:write': { grants: 'write', label: 'Save, change and forget your memories' },
} as const satisfies Record<string, { grants: Principal['scopes'][number]; label: string }>;

export type OAuthScope = keyof typeof OAUTH_SCOPES;
export const ALL_OAUTH_SCOPES = Object.keys(OAUTH_SCOPES) as OAuthScope[];

export function isOAuthScope(s: string): s is OAuthScope {
  return Object.hasOwn(OAUTH_SCOPES, s);
}

/** Parses a `scope` parameter; undefined when it names a scope Kairos does not grant. Absent = all. */
export function parseScopes(raw: string | undefined): OAuthScope[] | undefined {
  if (raw === undefined || raw.trim() === '') return [...ALL_OAUTH_SCOPES];
  const list = [...new Set(raw.trim().split(/\s+/))];
  return list.every(isOAuthScope) ? (list as OAuthScope[]) : undefined;
}

export function principalScopes(scopes: readonly string[]): Principal['scopes'] {
  return scopes.filter(isOAuthScope).map((s) => OAUTH_SCOPES[s].grants);
}
