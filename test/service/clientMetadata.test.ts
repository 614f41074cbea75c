/**
 * Client ID Metadata Documents: an MCP client whose client_id is the https URL of its metadata
 * document. A local CA (openssl, in a temp dir) signs the certificate of an https metadata server
 * on loopback; a real `kairos serve` process in service mode (PostgreSQL) trusts that CA through
 * NODE_EXTRA_CA_CERTS and fetches through its egress guard, with 127.0.0.1 allow-listed. The MCP
 * SDK's own client goes through discovery → metadata-document client_id → consent → code + PKCE →
 * tools; then every refusal is checked for a clear 4xx that repeats nothing the document host sent.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientMetadataDocuments } from '../../src/auth/oauth/clientMetadata.js';
import { OAuthError } from '../../src/auth/oauth/shared.js';
import { guardedFetch } from '../../src/embeddings/egress.js';
import { openPgDb } from '../../src/identity/pgDb.js';
import type { SqlDb } from '../../src/identity/sql.js';
import { createWebSession } from '../../src/identity/webSessions.js';
import { MemoryRateLimiter } from '../../src/ratelimit/index.js';
import { startFakeGitHub, type FakeGitHub } from '../fakes/githubServer.js';
import { startServe, type ServeProcess } from '../server/cliProcess.js';
import { removeHome, tempHome } from '../server/helpers.js';
import { MemoryOAuthProvider } from './mcpClient.js';
import { PG_URL } from './harness.js';

const REDIRECT = 'http://127.0.0.1:9/callback';
/** Put into every document and error body: must never come back from Kairos. */
const MARKER = 'do-not-reflect-7f3a';

/** A CA and a server certificate for 127.0.0.1 / 127.0.0.2 / localhost, made by openssl. */
function makeCertificates(dir: string): { ca: string; key: string; cert: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=Kairos test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,IP:127.0.0.2,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { ca: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}

describe('Client ID Metadata Documents (https on loopback, local CA, kairos serve)', () => {
  let dir: string;
  let home: string;
  let ca: string;
  const servers: Server[] = [];
  let base = '';
  let port = 0;
  const hits = new Map<string, number>();
  let github: FakeGitHub;
  let schema: string;
  let db: SqlDb;
  let kairos: ServeProcess;
  let cookie: string;

  const doc = (path: string, over: Record<string, unknown> = {}) => ({
    client_id: `${base}${path}`,
    client_name: 'Doc agent',
    redirect_uris: [REDIRECT],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    software_id: MARKER,
    ...over,
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kairos-cimd-'));
    const tls = makeCertificates(dir);
    ca = tls.ca;
    const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const json = (body: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(200, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      if (path === '/agent/client.json') return json(doc(path), { 'cache-control': 'public, max-age=600' });
      if (path === '/agent/mismatch.json') return json(doc(path, { client_id: `${base}/agent/client.json` }));
      if (path === '/agent/confidential.json') return json(doc(path, { token_endpoint_auth_method: 'client_secret_basic' }));
      if (path === '/agent/big.json') return json(doc(path, { padding: 'x'.repeat(6 * 1024) }));
      if (path === '/agent/slow.json') return void setTimeout(() => json(doc(path)), 5_000).unref();
      if (path === '/agent/moved.json') return res.writeHead(302, { location: `${base}/agent/client.json` }).end();
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not here ${MARKER}`);
    };
    for (const host of ['127.0.0.1', '127.0.0.2']) {
      const s = createServer({ key: tls.key, cert: tls.cert }, handler);
      await new Promise<void>((r) => s.listen(port, host, r));
      port = (s.address() as AddressInfo).port;
      servers.push(s);
    }
    base = `https://127.0.0.1:${port}`;

    github = await startFakeGitHub();
    schema = `kairos_test_cimd_${process.pid}_${Date.now() % 1e6}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    home = await tempHome('kairos-cimd-home-');
    kairos = await startServe(
      home,
      {
        KAIROS_MODE: 'service',
        DATABASE_URL: `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
        KAIROS_GITHUB_API_URL: github.url,
        // The metadata host is on loopback: allow-listed, only 127.0.0.1 (127.0.0.2 stays refused).
        KAIROS_EGRESS_ALLOW: '127.0.0.1',
        KAIROS_CLIENT_METADATA_TIMEOUT_MS: '1000',
        NODE_EXTRA_CA_CERTS: ca,
      },
      { token: false },
    );
    const gh = 'gho_cimd_test_token_0001';
    github.addToken(gh, { id: 7001, login: 'docuser' });
    const me = await fetch(`${kairos.url}/v1/me`, { headers: { authorization: `Bearer ${gh}` } });
    const uid = ((await me.json()) as { principal: { uid: string } }).principal.uid;
    db = openPgDb({ connectionString: PG_URL, schema, max: 2 });
    cookie = `kairos_session=${(await createWebSession(db, uid, new Date())).id}`;
  }, 90_000);

  afterAll(async () => {
    if (kairos) {
      kairos.child.kill('SIGTERM');
      await kairos.exited;
    }
    await db?.close();
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((r) => {
            s.closeAllConnections();
            s.close(() => r());
          }),
      ),
    );
    await github?.close();
    if (home) await removeHome(home);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Allows the consent page the authorization URL shows; returns the redirect with the code. */
  async function consent(authorizationUrl: URL): Promise<{ page: string; location: URL }> {
    const res = await fetch(authorizationUrl, { headers: { cookie }, redirect: 'manual' });
    const page = await res.text();
    expect(res.status, page).toBe(200);
    const fields = Object.fromEntries(
      [...page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1]!,
        m[2]!.replace(/&#(\d+);/g, (_s, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&'),
      ]),
    );
    const post = await fetch(`${kairos.url}/oauth/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: kairos.url },
      body: new URLSearchParams({ ...fields, decision: 'allow' }),
      redirect: 'manual',
    });
    expect(post.status).toBe(302);
    return { page, location: new URL(post.headers.get('location')!) };
  }

  const authorizePage = async (params: Record<string, string>) => {
    const q = new URLSearchParams({
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      ...params,
    });
    const res = await fetch(`${kairos.url}/oauth/authorize?${q}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  };

  it('advertises metadata-document client ids, and the SDK client completes code + PKCE with its URL as client_id', async () => {
    const meta = (await (await fetch(`${kairos.url}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta.client_id_metadata_document_supported).toBe(true);
    expect(meta.registration_endpoint).toBe(`${kairos.url}/oauth/register`);

    const clientId = `${base}/agent/client.json`;
    const auth = new MemoryOAuthProvider(REDIRECT, 'Doc agent', clientId);
    const mcpUrl = new URL(`${kairos.url}/mcp`);
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: auth });
    await expect(new Client({ name: 'doc-agent', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    // No registration: the SDK used the document URL as client_id.
    expect(auth.info?.client_id).toBe(clientId);
    expect(auth.authorizationUrl?.searchParams.get('client_id')).toBe(clientId);

    const { page, location } = await consent(auth.authorizationUrl!);
    expect(page).toContain(`An application from <strong><code>127.0.0.1:${port}</code></strong>`);
    expect(page).toContain('It calls itself “Doc agent”: a name the application claims, which Kairos has not verified.');
    const code = location.searchParams.get('code');
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(code).toBeTruthy();
    await first.finishAuth(code!);
    expect(auth.current?.access_token).toBeTruthy();

    const client = new Client({ name: 'doc-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: auth }));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('search');
    await client.close();
    // Authorize page, consent POST and token exchange: one fetch, then the cache (max-age 600).
    expect(hits.get('/agent/client.json')).toBe(1);
  });

  it('keeps dynamic registration for clients without a metadata document', async () => {
    const reg = await fetch(`${kairos.url}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Registered agent', redirect_uris: [REDIRECT] }),
    });
    expect(reg.status).toBe(201);
    const { client_id } = (await reg.json()) as { client_id: string };
    const page = await authorizePage({ client_id });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<strong>Registered agent</strong> wants to use your Kairos memory.');
  });

  it('refuses every unusable document with a 4xx naming the problem, never what the host sent', async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['http URL', { client_id: `http://127.0.0.1:${port}/agent/client.json` }, /must use https/],
      ['no path', { client_id: `https://127.0.0.1:${port}/` }, /must have a path/],
      ['redirect_uri not in the document', { client_id: `${base}/agent/client.json`, redirect_uri: 'http://127.0.0.1:9/other' }, /redirect_uri does not match/],
      ['client_id mismatch', { client_id: `${base}/agent/mismatch.json` }, /client_id must be exactly the URL/],
      ['confidential client', { client_id: `${base}/agent/confidential.json` }, /public clients only/],
      ['oversize document', { client_id: `${base}/agent/big.json` }, /larger than 5120 bytes/],
      ['slow document', { client_id: `${base}/agent/slow.json` }, /did not arrive within 1 s/],
      ['redirect response', { client_id: `${base}/agent/moved.json` }, /redirect \(HTTP 302\)/],
      ['HTTP error', { client_id: `${base}/agent/missing.json` }, /answered HTTP 404/],
      ['internal address not allow-listed', { client_id: `https://127.0.0.2:${port}/agent/client.json` }, /internal address \(127\.0\.0\.2\)/],
    ];
    for (const [name, params, message] of cases) {
      const started = Date.now();
      const r = await authorizePage(params);
      expect(r.status, name).toBe(400);
      expect(r.location, name).toBeNull();
      expect(r.text, name).toMatch(message);
      expect(r.text, name).not.toContain(MARKER);
      expect(Date.now() - started, name).toBeLessThan(4_000);
    }
    // Only the allow-listed host was contacted; the redirect was not followed (one hit on the target from the first test).
    expect(hits.get('/agent/client.json')).toBe(1);
    expect([...hits.keys()].every((p) => p.startsWith('/agent/'))).toBe(true);

    // The token endpoint answers the same documents as RFC 6749 invalid_client JSON.
    for (const clientId of [`http://127.0.0.1:${port}/agent/client.json`, `${base}/agent/mismatch.json`, `${base}/agent/big.json`]) {
      const res = await fetch(`${kairos.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code: 'kac_x',
          code_verifier: 'x'.repeat(43),
          redirect_uri: REDIRECT,
          client_id: clientId,
        }),
      });
      const text = await res.text();
      expect(res.status, clientId).toBe(401);
      expect(JSON.parse(text)).toMatchObject({ error: 'invalid_client', error_description: expect.stringMatching(/client_id URL|client metadata document/) });
      expect(text).not.toContain(MARKER);
    }
  });

  it('with the allow-list off, refuses a loopback metadata host before connecting', async () => {
    const before = hits.get('/agent/client.json');
    const documents = new ClientMetadataDocuments({ fetch: guardedFetch({ mode: 'service' }), db, limiter: new MemoryRateLimiter(), nowMs: () => Date.now() });
    for (const url of [`${base}/agent/client.json`, `https://localhost:${port}/agent/client.json`]) {
      const e = await documents.resolve(url, '198.51.100.7').catch((err: unknown) => err);
      expect(e).toBeInstanceOf(OAuthError);
      expect((e as OAuthError).description).toMatch(/internal address/);
    }
    expect(hits.get('/agent/client.json')).toBe(before);
  });
});
