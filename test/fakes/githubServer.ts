/**
 * A real HTTP server on loopback that answers GitHub's `GET /user` like api.github.com: 200 with
 * the user for a known token, 401 `Bad credentials` otherwise. Point KAIROS_GITHUB_API_URL at `url`.
 * It also plays GitHub's OAuth app endpoints (`/login/oauth/authorize`, `/login/oauth/access_token`)
 * for one registered app, with PKCE: the person who "signs in" is the one set by `nextSignIn`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHub {
  url: string;
  /** Registers a token for a GitHub user. */
  addToken(token: string, user: { id: number; login: string }): void;
  revokeToken(token: string): void;
  /** How many /user requests arrived (to see the cache work). */
  userRequests(): number;
  /** Registers the OAuth app (client id, secret, callback URL) that the authorize/token endpoints accept. */
  registerApp(app: { clientId: string; clientSecret: string; callback: string }): void;
  /** Who approves the next authorization request. */
  nextSignIn(user: { id: number; login: string }): void;
  close(): Promise<void>;
}

interface PendingCode {
  user: { id: number; login: string };
  challenge: string | undefined;
  redirectUri: string;
}

async function formBody(req: import('node:http').IncomingMessage): Promise<URLSearchParams> {
  let raw = '';
  for await (const chunk of req) raw += String(chunk);
  return new URLSearchParams(raw);
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const tokens = new Map<string, { id: number; login: string }>();
  let hits = 0;
  let app: { clientId: string; clientSecret: string; callback: string } | undefined;
  let next: { id: number; login: string } | undefined;
  const codes = new Map<string, PendingCode>();
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const q = url.searchParams;
      if (!app || q.get('client_id') !== app.clientId || q.get('redirect_uri') !== app.callback || !next) return send(400, { error: 'redirect_uri_mismatch' });
      const code = randomBytes(10).toString('hex');
      codes.set(code, { user: next, challenge: q.get('code_challenge') ?? undefined, redirectUri: q.get('redirect_uri')! });
      const back = new URL(app.callback);
      back.searchParams.set('code', code);
      if (q.get('state')) back.searchParams.set('state', q.get('state')!);
      res.writeHead(302, { location: back.href });
      return res.end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      void formBody(req).then((f) => {
        const pending = codes.get(f.get('code') ?? '');
        codes.delete(f.get('code') ?? '');
        if (!app || f.get('client_id') !== app.clientId || f.get('client_secret') !== app.clientSecret)
          return send(401, { error: 'incorrect_client_credentials' });
        const verifier = f.get('code_verifier') ?? '';
        const pkceOk = !pending?.challenge || createHash('sha256').update(verifier).digest('base64url') === pending.challenge;
        if (!pending || pending.redirectUri !== f.get('redirect_uri') || !pkceOk) return send(400, { error: 'bad_verification_code' });
        const token = `gho_${randomBytes(12).toString('hex')}`;
        tokens.set(token, pending.user);
        send(200, { access_token: token, token_type: 'bearer', scope: 'read:user' });
      });
      return;
    }
    if (req.method !== 'GET' || req.url !== '/user') return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    hits++;
    const m = /^(?:Bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    const user = m ? tokens.get(m[1]!) : undefined;
    if (!user) return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
    send(200, { login: user.login, id: user.id, node_id: `U_${user.id}`, type: 'User', site_admin: false, name: null, email: null });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    addToken: (t, u) => void tokens.set(t, u),
    revokeToken: (t) => void tokens.delete(t),
    userRequests: () => hits,
    registerApp: (a) => void (app = a),
    nextSignIn: (u) => void (next = u),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
