/**
 * Remote-mode sign-in through VS Code's authentication providers. We keep only the chosen
 * provider id (in globalState); the access token is fetched from VS Code whenever a request
 * needs it, sent only to the configured Kairos server, and never stored by us.
 */
import type { DisposableLike } from './disposable.js';

export interface AuthSessionLike {
  accessToken: string;
  account: { id: string; label: string };
}

export interface GetSessionOptions {
  createIfNone?: boolean;
  silent?: boolean;
  clearSessionPreference?: boolean;
}

/** vscode.authentication.getSession, as a seam. */
export type GetSession = (providerId: string, scopes: readonly string[], options: GetSessionOptions) => Promise<AuthSessionLike | undefined>;

/** The subset of vscode.Memento used to remember the chosen provider. */
export interface StateStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface AccountInfo {
  id: string;
  label: string;
  provider: string;
}

export type AuthState = { signedIn: false } | { signedIn: true; account: AccountInfo };

/** Scopes asked of each known provider; other ids (a test provider) get none. */
export const PROVIDER_SCOPES: Readonly<Record<string, readonly string[]>> = {
  github: ['read:user'],
  microsoft: ['openid', 'profile', 'email', 'offline_access'],
};

export const PROVIDER_LABELS: Readonly<Record<string, string>> = { github: 'GitHub', microsoft: 'Microsoft' };

const PROVIDER_KEY = 'kairos.auth.provider';

export function scopesFor(providerId: string): readonly string[] {
  return PROVIDER_SCOPES[providerId] ?? [];
}

export class AuthController {
  private state: AuthState = { signedIn: false };
  private readonly listeners = new Set<(s: AuthState) => void>();

  constructor(
    private readonly getSession: GetSession,
    private readonly store: StateStore,
  ) {}

  get current(): AuthState {
    return this.state;
  }

  get providerId(): string | undefined {
    return this.store.get<string>(PROVIDER_KEY);
  }

  onDidChange(listener: (s: AuthState) => void): DisposableLike {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** On activation: finds the previous session without any UI. */
  async restore(): Promise<AuthState> {
    const id = this.providerId;
    if (!id) return this.set({ signedIn: false });
    const session = await this.getSession(id, scopesFor(id), { silent: true }).catch(() => undefined);
    return this.set(session ? { signedIn: true, account: toAccount(id, session) } : { signedIn: false });
  }

  /** Interactive sign-in; resolves signed out if the user cancels. */
  async signIn(providerId: string): Promise<AuthState> {
    const session = await this.getSession(providerId, scopesFor(providerId), { createIfNone: true });
    if (!session) return this.state;
    await this.store.update(PROVIDER_KEY, providerId);
    return this.set({ signedIn: true, account: toAccount(providerId, session) });
  }

  /** Lets the user pick another account of the same provider. */
  async switchAccount(): Promise<AuthState> {
    const id = this.providerId;
    if (!id) return this.state;
    const session = await this.getSession(id, scopesFor(id), { createIfNone: true, clearSessionPreference: true });
    if (!session) return this.state;
    return this.set({ signedIn: true, account: toAccount(id, session) });
  }

  /**
   * Forgets the provider choice. Extensions cannot remove an account from VS Code; the user does
   * that from the Accounts menu. We just stop using it.
   */
  async signOut(): Promise<AuthState> {
    await this.store.update(PROVIDER_KEY, undefined);
    return this.set({ signedIn: false });
  }

  /** vscode.authentication.onDidChangeSessions: re-reads the session of our provider. */
  async sessionsChanged(providerId: string): Promise<AuthState> {
    if (providerId !== this.providerId) return this.state;
    return this.restore();
  }

  /** A fresh access token for one request (VS Code refreshes it when needed). */
  async token(): Promise<string> {
    const id = this.providerId;
    if (!id) throw new NotSignedInError();
    const session = await this.getSession(id, scopesFor(id), { silent: true });
    if (!session) {
      this.set({ signedIn: false });
      throw new NotSignedInError();
    }
    return session.accessToken;
  }

  private set(next: AuthState): AuthState {
    const same =
      next.signedIn === this.state.signedIn &&
      (!next.signedIn || (this.state.signedIn && next.account.id === this.state.account.id && next.account.provider === this.state.account.provider));
    this.state = next;
    if (!same) for (const l of this.listeners) l(next);
    return next;
  }
}

export class NotSignedInError extends Error {
  readonly code = 'unauthorized';
  constructor() {
    super('Sign in to Kairos first (Kairos: Sign In).');
    this.name = 'NotSignedInError';
  }
}

function toAccount(provider: string, s: AuthSessionLike): AccountInfo {
  return { id: s.account.id, label: s.account.label, provider };
}
