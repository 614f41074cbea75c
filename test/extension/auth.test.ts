import { describe, expect, it, vi } from 'vitest';
import { AuthController, NotSignedInError, type AuthSessionLike, type GetSession } from '../../src/extension/auth.js';

function memento(): { data: Map<string, unknown>; get<T>(k: string): T | undefined; update(k: string, v: unknown): Promise<void> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: <T>(k: string) => data.get(k) as T | undefined,
    update: async (k, v) => void (v === undefined ? data.delete(k) : data.set(k, v)),
  };
}

const session = (id: string, token: string): AuthSessionLike => ({ accessToken: token, account: { id, label: `user-${id}` } });

describe('AuthController', () => {
  it('signs in with the GitHub read:user scope and remembers only the provider, never the token', async () => {
    const getSession = vi.fn<GetSession>(async () => session('1', 'gho_secret_token'));
    const store = memento();
    const auth = new AuthController(getSession, store);
    const state = await auth.signIn('github');
    expect(getSession).toHaveBeenCalledWith('github', ['read:user'], { createIfNone: true });
    expect(state).toEqual({ signedIn: true, account: { id: '1', label: 'user-1', provider: 'github' } });
    expect([...store.data.entries()]).toEqual([['kairos.auth.provider', 'github']]);
    expect(JSON.stringify([...store.data.values()])).not.toContain('gho_secret_token');
  });

  it('restores a previous sign-in silently and stays signed out when the session is gone', async () => {
    const store = memento();
    await store.update('kairos.auth.provider', 'microsoft');
    const getSession = vi.fn<GetSession>(async () => undefined);
    const auth = new AuthController(getSession, store);
    expect(await auth.restore()).toEqual({ signedIn: false });
    expect(getSession).toHaveBeenCalledWith('microsoft', expect.arrayContaining(['openid']), { silent: true });
    getSession.mockResolvedValue(session('m', 't'));
    expect((await auth.restore()).signedIn).toBe(true);
  });

  it('fetches a fresh token for every request and throws NotSignedInError without a session', async () => {
    let n = 0;
    const auth = new AuthController(async () => session('1', `token-${++n}`), memento());
    await expect(auth.token()).rejects.toBeInstanceOf(NotSignedInError);
    await auth.signIn('github');
    expect(await auth.token()).toBe('token-2');
    expect(await auth.token()).toBe('token-3');
  });

  it('switches account by clearing the session preference', async () => {
    const getSession = vi.fn<GetSession>(async () => session('1', 't'));
    const auth = new AuthController(getSession, memento());
    await auth.signIn('github');
    getSession.mockResolvedValue(session('2', 't2'));
    const state = await auth.switchAccount();
    expect(getSession).toHaveBeenLastCalledWith('github', ['read:user'], { createIfNone: true, clearSessionPreference: true });
    expect(state.signedIn && state.account.id).toBe('2');
  });

  it('notifies listeners on sign-in and sign-out but ignores session changes of other providers', async () => {
    const getSession = vi.fn<GetSession>(async () => session('1', 't'));
    const auth = new AuthController(getSession, memento());
    const seen: boolean[] = [];
    auth.onDidChange((s) => seen.push(s.signedIn));
    await auth.signIn('github');
    const calls = getSession.mock.calls.length;
    await auth.sessionsChanged('microsoft');
    expect(getSession.mock.calls.length).toBe(calls);
    await auth.signOut();
    expect(seen).toEqual([true, false]);
    expect(auth.providerId).toBeUndefined();
  });

  it('stops notifying a listener once its subscription is disposed', async () => {
    const auth = new AuthController(async () => session('1', 't'), memento());
    const seen: boolean[] = [];
    const subscription = auth.onDidChange((s) => seen.push(s.signedIn));
    await auth.signIn('github');
    subscription.dispose();
    await auth.signOut();
    expect(seen).toEqual([true]);
  });

  it('keeps the previous state when the user cancels the sign-in', async () => {
    const auth = new AuthController(async () => undefined, memento());
    expect(await auth.signIn('github')).toEqual({ signedIn: false });
    expect(auth.providerId).toBeUndefined();
  });
});
