import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubVerifier } from '../../src/auth/github.js';
import { OidcVerifier } from '../../src/auth/jwt.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/githubServer.js';
import { startFakeIssuer, type FakeIssuer } from '../fakes/jwksServer.js';

describe('GitHub token verification', () => {
  let gh: FakeGitHub;
  beforeAll(async () => {
    gh = await startFakeGitHub();
  });
  afterAll(() => gh.close());

  it('maps a token to the numeric GitHub id and caches it for 60 seconds only', async () => {
    let now = 1_000_000;
    const v = new GitHubVerifier({ apiUrl: gh.url, now: () => now });
    gh.addToken('gho_a', { id: 42, login: 'octo' });
    expect(await v.verify('gho_a')).toMatchObject({ channel: { type: 'github', uid: '42' }, displayName: 'octo' });
    const before = gh.userRequests();
    await v.verify('gho_a');
    expect(gh.userRequests()).toBe(before);
    now += 61_000;
    await v.verify('gho_a');
    expect(gh.userRequests()).toBe(before + 1);
  });

  it('refuses a token GitHub answers 401 for', async () => {
    const v = new GitHubVerifier({ apiUrl: gh.url });
    expect(await v.verify('gho_unknown')).toBeUndefined();
  });
});

describe('OIDC token verification', () => {
  let iss: FakeIssuer;
  let other: FakeIssuer;
  beforeAll(async () => {
    [iss, other] = await Promise.all([startFakeIssuer(), startFakeIssuer()]);
  });
  afterAll(async () => {
    await iss.close();
    await other.close();
  });

  it('accepts a token of an allowed issuer and audience, discovering the JWKS', async () => {
    const v = new OidcVerifier([{ issuer: iss.issuer, audience: 'kairos' }]);
    const token = await iss.sign({ sub: 'alice', aud: 'kairos' });
    expect(await v.verify(token)).toMatchObject({ channel: { type: 'oidc', uid: `${iss.issuer}:alice` }, scopes: ['read', 'write', 'admin'] });
  });

  it('refuses wrong audience, unlisted issuer, forged issuer claim and expired tokens beyond the 60 s skew', async () => {
    const v = new OidcVerifier([{ issuer: iss.issuer, audience: 'kairos', jwksUri: iss.jwksUri }]);
    expect(await v.verify(await iss.sign({ sub: 'a', aud: 'someone-else' }))).toBeUndefined();
    expect(await v.verify(await other.sign({ sub: 'a', aud: 'kairos' }))).toBeUndefined();
    // Signed by another issuer's key but claiming the allowed issuer.
    expect(await v.verify(await other.sign({ sub: 'a', aud: 'kairos' }, { issuer: iss.issuer }))).toBeUndefined();
    const now = Math.floor(Date.now() / 1000);
    expect(await v.verify(await iss.sign({ sub: 'a', aud: 'kairos' }, { expiresIn: now - 120 }))).toBeUndefined();
    expect(await v.verify(await iss.sign({ sub: 'a', aud: 'kairos' }, { expiresIn: now - 30 }))).toBeDefined();
  });

  it('keeps only Kairos scopes from a scope claim', async () => {
    const v = new OidcVerifier([{ issuer: iss.issuer, audience: 'kairos' }]);
    expect((await v.verify(await iss.sign({ sub: 'a', aud: 'kairos', scope: 'openid kairos:read' })))!.scopes).toEqual(['read']);
    expect((await v.verify(await iss.sign({ sub: 'a', aud: 'kairos', scope: 'openid profile' })))!.scopes).toEqual([]);
  });
});
