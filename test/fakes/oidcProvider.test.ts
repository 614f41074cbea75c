/**
 * The fake OpenID provider works with a real relying party: openid-client discovers it and
 * redeems an authorization code (with PKCE) that Chromium obtained through its login and
 * consent pages.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, launch } from '../e2e/harness.js';
import { completeOidcLogin, freePort, startOidcProvider, type FakeOidcProvider } from './oidcProvider.js';

describe('fake OpenID provider', () => {
  let provider: FakeOidcProvider;
  let callback: Server;
  let redirectUri: string;
  let browser: Browser | undefined;
  let page: Page;
  let config: oidc.Configuration;
  /** Full URLs the loopback redirect server received. */
  const received: URL[] = [];

  beforeAll(async () => {
    callback = createServer((req, res) => {
      const url = new URL(req.url ?? '/', redirectUri);
      // Chromium also asks for /favicon.ico.
      if (url.pathname !== '/callback') return void res.writeHead(404).end();
      received.push(url);
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>back</title><p id="back">back at the client</p>');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    provider = await startOidcProvider({
      clients: [{ client_id: 'rp-test', client_secret: 'rp-secret', redirect_uris: [redirectUri] }],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await provider?.close();
    callback?.closeAllConnections();
    await new Promise<void>((resolve) => (callback ? callback.close(() => resolve()) : resolve()));
  });

  it('listens on loopback and serves its discovery document', async () => {
    expect(provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${provider.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: provider.issuer,
      authorization_endpoint: `${provider.issuer}/auth`,
      token_endpoint: `${provider.issuer}/token`,
      jwks_uri: `${provider.issuer}/jwks`,
      userinfo_endpoint: `${provider.issuer}/me`,
    });
    expect(doc.code_challenge_methods_supported).toContain('S256');
    expect(doc.scopes_supported).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    expect(doc.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
    const jwks = (await (await fetch(`${provider.issuer}/jwks`)).json()) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('listens on the port it is given', async () => {
    const port = await freePort();
    const fixed = await startOidcProvider({ clients: [], port });
    try {
      expect(fixed.issuer).toBe(`http://127.0.0.1:${port}`);
      const doc = (await (await fetch(`${fixed.issuer}/.well-known/openid-configuration`)).json()) as { issuer: string };
      expect(doc.issuer).toBe(fixed.issuer);
    } finally {
      await fixed.close();
    }
  });

  it('signs a user in through Chromium with authorization code + PKCE (openid-client)', async () => {
    ensureChromium();
    browser = await launch();
    page = await (await browser.newContext()).newPage();
    const pageProblems: string[] = [];
    page.on('pageerror', (e) => pageProblems.push(e.message));
    // The dev pages must not reach out to the internet (their font @import is stripped).
    const external: string[] = [];
    page.on('request', (r) => {
      if (!new URL(r.url()).hostname.startsWith('127.0.0.1')) external.push(r.url());
    });

    config = await oidc.discovery(new URL(provider.issuer), 'rp-test', 'rp-secret', undefined, {
      execute: [oidc.allowInsecureRequests],
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const authUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });

    await page.goto(authUrl.href);
    expect(await page.title()).toBe('Sign-in');
    await completeOidcLogin(page, 'alice');
    await expect.poll(() => received.length).toBe(1);
    await expect.poll(() => page.locator('#back').textContent()).toBe('back at the client');
    const back = received[0]!;
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('iss')).toBe(provider.issuer);

    const tokens = await oidc.authorizationCodeGrant(config, back, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.sub).toBe('alice');
    expect(claims.iss).toBe(provider.issuer);
    expect(claims.aud).toBe('rp-test');
    expect(claims).toMatchObject({ email: 'alice@example.test', email_verified: true, name: 'alice' });
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, 'alice');
    expect(userinfo).toMatchObject({ sub: 'alice', email: 'alice@example.test', email_verified: true, name: 'alice' });

    // The provider remembers the browser: a second authorization needs neither login nor consent.
    const verifier2 = oidc.randomPKCECodeVerifier();
    await page.goto(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier2),
        code_challenge_method: 'S256',
        state: 'second',
      }).href,
    );
    await expect.poll(() => received.length).toBe(2);
    const again = await oidc.authorizationCodeGrant(config, received[1]!, { pkceCodeVerifier: verifier2, expectedState: 'second' });
    expect(again.claims()?.sub).toBe('alice');

    // A wrong verifier is refused: PKCE is really checked.
    const verifier3 = oidc.randomPKCECodeVerifier();
    await page.goto(
      oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier3),
        code_challenge_method: 'S256',
        state: 'third',
      }).href,
    );
    await expect.poll(() => received.length).toBe(3);
    await expect(
      oidc.authorizationCodeGrant(config, received[2]!, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: 'third' }),
    ).rejects.toMatchObject({ error: 'invalid_grant' });

    expect(external).toEqual([]);
    expect(pageProblems).toEqual([]);
  }, 120_000);

  it('keeps the sessions of two providers on 127.0.0.1 apart in one browser', async () => {
    const other = await startOidcProvider({
      clients: [{ client_id: 'rp-b', client_secret: 'rp-b-secret', redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_post' }],
    });
    try {
      const configB = await oidc.discovery(new URL(other.issuer), 'rp-b', 'rp-b-secret', undefined, { execute: [oidc.allowInsecureRequests] });
      const authorize = async (c: oidc.Configuration, state: string, verifier: string): Promise<void> => {
        const url = oidc.buildAuthorizationUrl(c, {
          redirect_uri: redirectUri,
          scope: 'openid email',
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
        });
        await page.goto(url.href);
      };
      const before = received.length;
      const vb = oidc.randomPKCECodeVerifier();
      await authorize(configB, 'at-b', vb);
      await completeOidcLogin(page, 'bob');
      await expect.poll(() => received.length).toBe(before + 1);
      const atB = await oidc.authorizationCodeGrant(configB, received[before]!, { pkceCodeVerifier: vb, expectedState: 'at-b' });
      expect(atB.claims()).toMatchObject({ sub: 'bob', iss: other.issuer, email: 'bob@example.test' });

      // Back at the first provider: still signed in as alice, no login page.
      const va = oidc.randomPKCECodeVerifier();
      await authorize(config, 'at-a', va);
      await expect.poll(() => received.length).toBe(before + 2);
      const atA = await oidc.authorizationCodeGrant(config, received[before + 1]!, { pkceCodeVerifier: va, expectedState: 'at-a' });
      expect(atA.claims()?.sub).toBe('alice');
      const names = (await page.context().cookies()).map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining([`_session_${new URL(provider.issuer).port}`, `_session_${new URL(other.issuer).port}`]));
    } finally {
      await other.close();
    }
  }, 60_000);
});
