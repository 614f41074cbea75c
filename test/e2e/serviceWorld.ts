/**
 * A service-mode Kairos in process (PostgreSQL identity, embedded vector store under a temp
 * KAIROS_HOME) with web sign-in through two real OpenID providers on loopback (`idp-a`,
 * `idp-b`) and the fake OpenAI embeddings API, for the browser suites.
 */
import { spawnSync } from 'node:child_process';
import { loadServiceConfig } from '../../src/runtime/serviceConfig.js';
import { startServiceServer, type RunningServiceServer } from '../../src/server/serviceMain.js';
import { completeOidcLogin, freePort, startOidcProvider, type FakeOidcProvider } from '../fakes/oidcProvider.js';
import { startFakeOpenAI, type FakeOpenAI } from '../fakes/openaiServer.js';
import { parseJsonOrUndefined, removeHome, tempHome, testConfig } from '../server/helpers.js';
import { BACKENDS, testRing } from '../service/harness.js';
import type { Page } from 'playwright-core';

export const IDPS = [
  { id: 'idp-a', name: 'Test IdP A', clientId: 'kairos-a', clientSecret: 'secret-a' },
  { id: 'idp-b', name: 'Test IdP B', clientId: 'kairos-b', clientSecret: 'secret-b' },
] as const;

export interface WebWorld {
  /** The public (and bound) base URL, http://127.0.0.1:PORT. */
  url: string;
  server: RunningServiceServer;
  idpA: FakeOidcProvider;
  idpB: FakeOidcProvider;
  openai: FakeOpenAI;
  close(): Promise<void>;
}

/** The memory console and account page bundles, as `npm run build` makes them. */
export function buildWebBundles(): void {
  const web = spawnSync(process.execPath, ['esbuild.mjs', '--webview'], { encoding: 'utf8' });
  if (web.status !== 0) throw new Error(`webview build failed: ${web.stderr}`);
}

/** `extraEnv` as a function gets the providers (their issuer URLs are known only once they listen). */
export async function startWebWorld(
  extraEnv: Record<string, string> | ((idps: { idpA: FakeOidcProvider; idpB: FakeOidcProvider }) => Record<string, string>) = {},
): Promise<WebWorld> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [idpA, idpB, openai] = await Promise.all([
    startOidcProvider({ clients: [{ client_id: IDPS[0].clientId, client_secret: IDPS[0].clientSecret, redirect_uris: [`${url}/auth/callback/idp-a`] }] }),
    startOidcProvider({ clients: [{ client_id: IDPS[1].clientId, client_secret: IDPS[1].clientSecret, redirect_uris: [`${url}/auth/callback/idp-b`] }] }),
    startFakeOpenAI(),
  ]);
  const home = await tempHome('kairos-web-e2e-');
  const identity = await BACKENDS.find((b) => b.name === 'postgres')!.create();
  const env: Record<string, string> = {
    KAIROS_MODE: 'service',
    KAIROS_HOST: '127.0.0.1',
    KAIROS_PORT: String(port),
    KAIROS_PUBLIC_URL: url,
    KAIROS_LOGIN_PROVIDERS: JSON.stringify(
      [idpA, idpB].map((idp, i) => ({
        id: IDPS[i]!.id,
        kind: 'oidc',
        name: IDPS[i]!.name,
        issuer: idp.issuer,
        clientId: IDPS[i]!.clientId,
        clientSecret: IDPS[i]!.clientSecret,
      })),
    ),
    KAIROS_RATE_LIMIT_PER_MINUTE: '100000',
    KAIROS_AUTH_FAILURES_PER_MINUTE: '100000',
    // The fake embedding provider listens on loopback, which the egress guard refuses unless allow-listed.
    KAIROS_EGRESS_ALLOW: '127.0.0.1',
    ...(typeof extraEnv === 'function' ? extraEnv({ idpA, idpB }) : extraEnv),
  };
  let server: RunningServiceServer;
  try {
    server = await startServiceServer(testConfig(home, env), loadServiceConfig(env), env, { identity: identity.config, ring: testRing() });
  } catch (e) {
    await Promise.all([idpA.close(), idpB.close(), openai.close()]);
    await identity.drop();
    await removeHome(home);
    throw e;
  }
  return {
    url,
    server,
    idpA,
    idpB,
    openai,
    async close() {
      await server.close();
      await Promise.all([idpA.close(), idpB.close(), openai.close()]);
      await identity.drop();
      await removeHome(home);
    },
  };
}

/**
 * Signs in (or links) through a provider: `click` follows a "Continue with …" / "Link …" link;
 * then the provider's login page is completed as `login` when it asks, or it sends the browser
 * straight back when it still has a session. Resolves once the browser is back on a Kairos page
 * outside /auth/.
 */
export async function signInVia(page: Page, click: () => Promise<void>, idp: FakeOidcProvider, kairos: string, login: string): Promise<void> {
  const onKairos = (u: URL): boolean => u.origin === kairos && !u.pathname.startsWith('/auth/');
  const arrived = page.waitForEvent('framenavigated', {
    predicate: (f) => f === page.mainFrame() && (new URL(f.url()).origin === idp.issuer || onKairos(new URL(f.url()))),
    timeout: 30_000,
  });
  arrived.catch(() => undefined); // when click() throws, its error is the one to report
  await click();
  await arrived;
  if (new URL(page.url()).origin === idp.issuer) await completeOidcLogin(page, login);
  try {
    await page.waitForURL(onKairos, { waitUntil: 'commit', timeout: 20_000 });
  } catch (e) {
    const body = await page
      .locator('body')
      .innerText()
      .catch(() => '');
    throw new Error(`sign-in as ${login} at ${idp.issuer} did not come back to Kairos; the browser is on ${page.url()}:\n${body.slice(0, 2000)}`, { cause: e });
  }
}

/**
 * A REST call with the browser's own cookies (the page's request context shares them), plus
 * the CSRF header on writes; independent of the page's CSP, which is `default-src 'none'` on
 * JSON answers. `path` is resolved against the page's current origin unless absolute.
 */
export async function pageApi(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const url = new URL(path, page.url()).href;
  const res = await page.request.fetch(url, {
    method,
    headers: { accept: 'application/json', ...(method !== 'GET' ? { 'X-Kairos-CSRF': '1' } : {}) },
    ...(body !== undefined ? { data: body } : {}),
    maxRedirects: 0,
  });
  const text = await res.text();
  return { status: res.status(), json: parseJsonOrUndefined(text), text };
}
