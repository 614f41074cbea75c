/**
 * The browser session of the shared service: cookie handling around identity/webSessions.ts,
 * plus the synchronizer token that server-rendered forms (consent) carry, since a plain HTML
 * form cannot send the X-Kairos-CSRF header that fetch requests do.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { MasterKeyRing } from '../../identity/byok.js';
import type { SqlDb } from '../../identity/sql.js';
import type { ChannelRef } from '../../identity/users.js';
import { createWebSession, deleteWebSession, verifyWebSession, WEB_SESSION_TTL_MS, type WebSessionUser } from '../../identity/webSessions.js';

export interface WebSessionDeps {
  db: SqlDb;
  ring: MasterKeyRing;
  now(): Date;
  /** The deployment's public base URL (decides Secure cookies and the allowed Origin). */
  publicUrl(): string;
}

export class WebSessions {
  private readonly formKey: Buffer;

  constructor(private readonly deps: WebSessionDeps) {
    this.formKey = Buffer.from(hkdfSync('sha256', deps.ring.current.key, Buffer.alloc(0), 'kairos web form token v1', 32));
  }

  private get secure(): boolean {
    return this.deps.publicUrl().startsWith('https:');
  }

  /** `__Host-` pins the cookie to this exact origin over HTTPS; plain http (loopback dev) cannot use it. */
  get cookieName(): string {
    return this.secure ? '__Host-kairos_session' : 'kairos_session';
  }

  private get loginCookieName(): string {
    return this.secure ? '__Host-kairos_login' : 'kairos_login';
  }

  /** Lax, not Strict: the first request after the provider redirects back is a cross-site navigation. */
  private cookieOptions(maxAgeMs: number): Parameters<typeof setCookie>[3] {
    return { httpOnly: true, secure: this.secure, sameSite: 'Lax', path: '/', maxAge: Math.floor(maxAgeMs / 1000) };
  }

  /** Binds a sign-in round trip to this browser: a callback URL replayed elsewhere lacks the cookie. */
  bindLogin(c: Context, value: string, maxAgeMs: number): void {
    setCookie(c, this.loginCookieName, value, this.cookieOptions(maxAgeMs));
  }

  /** The round trip's browser binding, cleared as it is read (a callback is answered once). */
  takeLogin(c: Context): string | undefined {
    const value = getCookie(c, this.loginCookieName);
    deleteCookie(c, this.loginCookieName, { path: '/', secure: this.secure });
    return value;
  }

  sessionId(c: Context): string | undefined {
    return getCookie(c, this.cookieName);
  }

  /** The signed-in user of this request (and the name they signed in as), or undefined. */
  async user(c: Context): Promise<WebSessionUser | undefined> {
    const id = this.sessionId(c);
    return id ? verifyWebSession(this.deps.db, id, this.deps.now()) : undefined;
  }

  async uid(c: Context): Promise<string | undefined> {
    return (await this.user(c))?.uid;
  }

  async start(c: Context, uid: string, displayName?: string, channel?: ChannelRef): Promise<void> {
    const old = this.sessionId(c);
    // A new id at every sign-in: a session id planted before sign-in never becomes valid.
    if (old) await deleteWebSession(this.deps.db, old);
    const { id } = await createWebSession(this.deps.db, uid, this.deps.now(), { displayName, channel });
    setCookie(c, this.cookieName, id, this.cookieOptions(WEB_SESSION_TTL_MS));
  }

  async end(c: Context): Promise<void> {
    const id = this.sessionId(c);
    if (id) await deleteWebSession(this.deps.db, id);
    deleteCookie(c, this.cookieName, { path: '/', secure: this.secure });
  }

  /** True when a state-changing request comes from this origin (or names none, like curl). */
  sameOrigin(c: Context): boolean {
    const origin = c.req.header('origin');
    return origin === undefined || origin === new URL(this.deps.publicUrl()).origin;
  }

  /** A form token bound to the session id: valid only with the cookie it was made for. */
  formToken(sessionId: string): string {
    return createHmac('sha256', this.formKey).update(sessionId).digest('base64url');
  }

  checkFormToken(sessionId: string, token: string): boolean {
    const want = Buffer.from(this.formToken(sessionId));
    const got = Buffer.from(token);
    return want.length === got.length && timingSafeEqual(want, got);
  }
}
