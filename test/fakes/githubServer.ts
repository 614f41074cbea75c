/**
 * A real HTTP server on loopback that answers GitHub's `GET /user` like api.github.com: 200 with
 * the user for a known token, 401 `Bad credentials` otherwise. Point KAIROS_GITHUB_API_URL at `url`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitHub {
  url: string;
  /** Registers a token for a GitHub user. */
  addToken(token: string, user: { id: number; login: string }): void;
  revokeToken(token: string): void;
  /** How many /user requests arrived (to see the cache work). */
  userRequests(): number;
  close(): Promise<void>;
}

export async function startFakeGitHub(): Promise<FakeGitHub> {
  const tokens = new Map<string, { id: number; login: string }>();
  let hits = 0;
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
    };
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
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
