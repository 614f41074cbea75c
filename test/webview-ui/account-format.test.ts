import { describe, expect, it } from 'vitest';
import {
  channelLabel,
  embedderSummary,
  formatDate,
  formatDateTime,
  formatScopes,
  keyDetails,
  keyHint,
  keyState,
  lastUsed,
  roleName,
  splitOidcUid,
  validUntil,
} from '../../webview-ui/account/format.js';
import { grantName } from '../../webview-ui/account/sections/mcpClients.js';
import { SECTIONS } from '../../webview-ui/account/sections/nav.js';
import { leaveQuestion } from '../../webview-ui/account/sections/teams.js';
import { providerLinkHref } from '../../webview-ui/account/sections/linkedAccounts.js';
import type { ApiKeyInfo } from '../../webview-ui/account/types.js';

const utc = { timeZone: 'UTC' };
const now = new Date('2025-03-12T12:00:00Z');

describe('dates', () => {
  it('formats dates and times in the given zone, and nothing for missing or bad input', () => {
    expect(formatDate('2025-03-12T23:30:00Z', utc)).toBe('12 Mar 2025');
    expect(formatDate('2025-03-12T23:30:00Z', { timeZone: 'Asia/Tokyo' })).toBe('13 Mar 2025');
    expect(formatDateTime('2025-03-12T09:05:00Z', utc)).toBe('12 Mar 2025, 09:05');
    expect(formatDate(null)).toBe('');
    expect(formatDate('not a date')).toBe('');
    expect(formatDateTime(undefined)).toBe('');
  });

  it('says how long ago something was last used', () => {
    expect(lastUsed(null, now)).toBe('never');
    expect(lastUsed('2025-03-12T11:59:30Z', now)).toBe('just now');
    expect(lastUsed('2025-03-12T11:15:00Z', now)).toBe('45 min ago');
    expect(lastUsed('2025-03-12T07:00:00Z', now)).toBe('5 h ago');
    expect(lastUsed('2025-03-11T06:00:00Z', now)).toBe('yesterday');
    expect(lastUsed('2025-03-08T12:00:00Z', now)).toBe('4 days ago');
    expect(lastUsed('2025-01-02T12:00:00Z', now, utc)).toBe('2 Jan 2025');
  });

  it('states how long a code is valid', () => {
    expect(validUntil('2025-03-12T12:10:00Z', utc)).toBe('Valid until 12 Mar 2025, 12:10, once.');
    expect(validUntil('?')).toBe('Valid once.');
  });
});

describe('embedding key', () => {
  it('shows the stored key only as provider and last four characters', () => {
    expect(keyHint({ provider: 'openai', keyLast4: 'abcd' })).toBe('openai …abcd');
    expect(keyHint({ provider: 'cohere', keyLast4: 'xyz-9876' })).toBe('cohere …9876');
    expect(keyHint({ provider: 'azure', keyLast4: '', keyHint: 'azure …wxyz' })).toBe('azure …wxyz');
    expect(keyHint({ provider: 'azure', keyLast4: '' })).toBe('azure');
  });

  it('summarises provider, model, deployment and endpoint host', () => {
    expect(embedderSummary({ provider: 'openai', model: 'text-embedding-3-small', endpoint: null, deployment: null })).toBe('OpenAI · text-embedding-3-small');
    expect(embedderSummary({ provider: 'azure', model: null, endpoint: 'https://r.openai.azure.com/', deployment: 'emb' })).toBe(
      'Azure OpenAI · deployment emb · r.openai.azure.com',
    );
  });
});

describe('API keys', () => {
  const key = (over: Partial<ApiKeyInfo> = {}): ApiKeyInfo => ({
    id: 'k1',
    name: 'ci',
    prefix: 'kairos_sk_abcd1234',
    scopes: ['write', 'read'],
    createdAt: '2025-03-01T10:00:00Z',
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
    ...over,
  });

  it('lists scopes in a fixed order and reads OAuth scopes without their prefix', () => {
    expect(formatScopes(['admin', 'read', 'write'])).toBe('read, write, admin');
    expect(formatScopes(['memories:write', 'memories:read'])).toBe('read, write');
    expect(formatScopes(['read', 'read'])).toBe('read');
    expect(formatScopes([])).toBe('none');
  });

  it('knows whether a key is active, expired or revoked', () => {
    expect(keyState(key(), now)).toBe('active');
    expect(keyState(key({ expiresAt: '2025-03-13T00:00:00Z' }), now)).toBe('active');
    expect(keyState(key({ expiresAt: '2025-03-12T12:00:00Z' }), now)).toBe('expired');
    expect(keyState(key({ revokedAt: '2025-03-02T00:00:00Z', expiresAt: '2025-03-01T00:00:00Z' }), now)).toBe('revoked');
  });

  it('describes a key in one line', () => {
    expect(keyDetails(key(), now, utc)).toBe('Created 1 Mar 2025 · never expires · last used never');
    expect(keyDetails(key({ expiresAt: '2025-04-01T23:59:59Z', lastUsedAt: '2025-03-12T09:00:00Z' }), now, utc)).toBe(
      'Created 1 Mar 2025 · expires 1 Apr 2025 · last used 3 h ago',
    );
    expect(keyDetails(key({ revokedAt: '2025-03-05T00:00:00Z' }), now, utc)).toContain('revoked 5 Mar 2025');
    expect(keyDetails(key({ expiresAt: '2025-03-10T00:00:00Z' }), now, utc)).toContain('expired 10 Mar 2025');
  });
});

describe('linked accounts', () => {
  it('splits an OIDC uid at the colon after the issuer, ports and colons in the sub included', () => {
    expect(splitOidcUid('https://accounts.example.com:user-1')).toEqual({ issuer: 'https://accounts.example.com', sub: 'user-1' });
    expect(splitOidcUid('https://id.example.com:8443/realms/x:abc:def')).toEqual({ issuer: 'https://id.example.com:8443/realms/x', sub: 'abc:def' });
    expect(splitOidcUid('https://id.example.com:123')).toEqual({ issuer: 'https://id.example.com', sub: '123' });
    expect(splitOidcUid('issuer:sub')).toEqual({ issuer: 'issuer', sub: 'sub' });
    expect(splitOidcUid('nocolon')).toBeUndefined();
  });

  it('labels channels by type, OIDC with the issuer host and subject', () => {
    expect(channelLabel({ type: 'oidc', uid: 'https://login.example.org/tenant:5f2c' })).toEqual({
      icon: 'shield',
      title: 'OpenID Connect (login.example.org)',
      detail: '5f2c',
    });
    expect(channelLabel({ type: 'github', uid: '1234' })).toEqual({ icon: 'github', title: 'GitHub', detail: '1234' });
    expect(channelLabel({ type: 'cli', uid: 'x' }).title).toBe('Command line');
    expect(channelLabel({ type: 'matrix', uid: '@a:b' })).toEqual({ icon: 'link', title: 'matrix', detail: '@a:b' });
    // A configured provider names its channels, and the reported name replaces the raw id.
    const providers = [{ id: 'okta', name: 'Okta', kind: 'oidc' as const, issuer: 'https://login.example.org/tenant/' }];
    expect(channelLabel({ type: 'oidc', uid: 'https://login.example.org/tenant:5f2c', displayName: 'ada@example.org' }, providers)).toEqual({
      icon: 'shield',
      title: 'Okta',
      detail: 'ada@example.org',
    });
    expect(channelLabel({ type: 'github', uid: '1234', displayName: 'octocat' }, providers).detail).toBe('octocat');
  });

  it('links a provider by signing in with it, then coming back to /account', () => {
    expect(providerLinkHref('github')).toBe('/auth/signin/github?return=/account');
    expect(providerLinkHref('a/b c')).toBe('/auth/signin/a%2Fb%20c?return=/account');
  });
});

describe('teams and clients', () => {
  it('names roles and clients', () => {
    expect(roleName('owner')).toBe('Owner');
    expect(roleName('other')).toBe('other');
    expect(grantName({ clientName: '  ', clientId: 'c-1' })).toBe('c-1');
    expect(grantName({ clientName: 'Claude', clientId: 'c-1' })).toBe('Claude');
  });

  it('warns before leaving that the last member takes the space and its memories with them', () => {
    expect(leaveQuestion({ name: 'Core', role: 'writer' })).toMatch(
      /^Leave “Core”\? If you are its last member, the team space and all its memories are deleted/,
    );
    expect(leaveQuestion({ name: 'Core', role: 'owner' })).toContain('As an owner');
  });
});

describe('sections', () => {
  it('has the anchors other pages and tests link to, in page order', () => {
    expect(SECTIONS.map((x) => x.id)).toEqual(['embedding', 'api-keys', 'mcp-clients', 'linked-accounts', 'teams', 'connectors', 'delete-account']);
  });
});
