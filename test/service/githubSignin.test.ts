/**
 * Web sign-in with a GitHub OAuth app (plain OAuth 2 + PKCE, user read from the API), over real
 * HTTP against the GitHub fake, without KAIROS_PUBLIC_URL (the callback URL comes from the bound
 * address). The same GitHub account reaches the same Kairos user as a GitHub bearer token (the
 * VS Code path); callbacks cannot be replayed or completed in another browser; linking attaches
 * a free identity and refuses one that belongs to someone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, startServiceWorld, type ServiceWorld } from './harness.js';

const PROVIDER = { id: 'github', kind: 'github', name: 'GitHub', clientId: 'gh-app', clientSecret: 'gh-secret' };

function cookiesOf(res: Response): Record<string, string> {
  return Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0]!.split('=') as [string, string]));
}

describe('GitHub web sign-in', () => {
  let w: ServiceWorld;
  beforeAll(async () => {
    w = await startServiceWorld(BACKENDS[1]!, ({ github }) => ({
      KAIROS_LOGIN_PROVIDERS: JSON.stringify([
        { ...PROVIDER, authorizationUrl: `${github.url}/login/oauth/authorize`, tokenUrl: `${github.url}/login/oauth/access_token`, apiUrl: github.url },
      ]),
    }));
    w.github.registerApp({ clientId: PROVIDER.clientId, clientSecret: PROVIDER.clientSecret, callback: `${w.url}/auth/callback/github` });
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Runs the round trip as a browser would; returns the callback URL, the login cookie and the callback's answer. */
  async function roundTrip(user: { id: number; login: string }, session?: string) {
    w.github.nextSignIn(user);
    const start = await fetch(`${w.url}/auth/signin/github?return=/account`, {
      redirect: 'manual',
      headers: session ? { cookie: `kairos_session=${session}` } : {},
    });
    expect(start.status).toBe(302);
    const authorize = new URL(start.headers.get('location')!);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${w.url}/auth/callback/github`);
    const login = cookiesOf(start).kairos_login!;
    const back = await fetch(authorize, { redirect: 'manual' });
    const callback = back.headers.get('location')!;
    const cookie = `kairos_login=${login}${session ? `; kairos_session=${session}` : ''}`;
    const done = await fetch(callback, { redirect: 'manual', headers: { cookie } });
    return { callback, cookie, done };
  }

  const me = (session: string) => w.api('GET', '/v1/me', null, { headers: { cookie: `kairos_session=${session}` } });

  it('signs in, keeps the GitHub login as the display name, and meets the bearer-token path at one user', async () => {
    const { done, callback, cookie } = await roundTrip({ id: 5150, login: 'octo-web' });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/account');
    const session = cookiesOf(done).kairos_session!;
    expect(done.headers.getSetCookie().join('\n')).toMatch(/kairos_session=[^;]+;.*HttpOnly/i);
    const web = await me(session);
    expect(web.json.principal).toMatchObject({ via: 'session', displayName: 'octo-web' });
    const bearer = await w.api('GET', '/v1/me', w.githubUser(5150, 'octo-web'));
    expect(bearer.json.principal.uid).toBe(web.json.principal.uid);
    // The extension's "open console" link: in service mode the page itself, where the session (or sign-in) takes over.
    expect((await w.api('POST', '/v1/console-link', w.githubUser(5150, 'octo-web'))).json).toEqual({ url: `${w.url}/` });

    // The same callback again (replay), or without the browser's login cookie: refused.
    expect((await fetch(callback, { redirect: 'manual', headers: { cookie } })).status).toBe(400);
    const fresh = await roundTrip({ id: 5150, login: 'octo-web' });
    expect((await fetch(fresh.callback, { redirect: 'manual' })).status).toBe(400);
  });

  it('links a second GitHub identity while signed in, and refuses one that belongs to another user', async () => {
    const first = await roundTrip({ id: 6001, login: 'main-account' });
    const session = cookiesOf(first.done).kairos_session!;
    const linked = await roundTrip({ id: 6002, login: 'work-account' }, session);
    expect(linked.done.status).toBe(302);
    const channels = await w.api('GET', '/v1/link/channels', null, { headers: { cookie: `kairos_session=${session}` } });
    expect(channels.json.items.map((c: { uid: string; displayName: string }) => [c.uid, c.displayName])).toEqual([
      ['6001', 'main-account'],
      ['6002', 'work-account'],
    ]);

    const someoneElse = await w.api('GET', '/v1/me', w.githubUser(6003, 'someone-else'));
    expect(someoneElse.status).toBe(200);
    const taken = await roundTrip({ id: 6003, login: 'someone-else' }, session);
    expect(taken.done.status).toBe(409);
    expect(await taken.done.text()).toContain('already belongs to another Kairos account');
    expect((await w.api('GET', '/v1/link/channels', null, { headers: { cookie: `kairos_session=${session}` } })).json.items).toHaveLength(2);
  });

  it('signs out everywhere: every session of the user ends', async () => {
    const a = cookiesOf((await roundTrip({ id: 7001, login: 'two-browsers' })).done).kairos_session!;
    const b = cookiesOf((await roundTrip({ id: 7001, login: 'two-browsers' })).done).kairos_session!;
    expect((await me(a)).status).toBe(200);
    const out = await w.api('POST', '/auth/signout-everywhere', null, { headers: { cookie: `kairos_session=${a}`, 'x-kairos-csrf': '1' } });
    expect(out.json).toEqual({ signedOut: true, sessions: 2 });
    expect((await me(a)).status).toBe(401);
    expect((await me(b)).status).toBe(401);
  });
});
