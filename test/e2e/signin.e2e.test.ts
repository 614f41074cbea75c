/**
 * Web sign-in to the shared service end to end: a service-mode Kairos in process (PostgreSQL
 * identity), two real OpenID providers and the fake OpenAI API on loopback, driven in Debian
 * Chromium the way a person would: sign in, set the embedding key, capture and search, create an
 * API key and use it from curl, link a second identity, sign in with it, export and delete.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, launch, SCREENSHOTS, skipAfterFirstFailure, watchProblems } from './harness.js';
import { buildWebBundles, IDPS, pageApi, signInVia, startWebWorld, type WebWorld } from './serviceWorld.js';

const execFileAsync = promisify(execFile);
const OPENAI_KEY = 'sk-e2e-browser-key-0123456789abcdefWXYZ';
const MEMORY = 'The release checklist lives in docs/release.md and needs two approvals';

describe('web sign-in, account page and API keys in Chromium', () => {
  let w: WebWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let uid: string;
  let apiKey: string;

  const section = (id: string): Locator => page.locator(`#${id}`);
  const rows = () => page.locator('li[role=option]');

  /**
   * POST /v1/search with the API key through the real curl binary. Asynchronous on purpose: the
   * server runs in this process, so a spawnSync would block the very event loop that answers.
   */
  async function curlSearch(key: string, query: string): Promise<{ status: number; body: any }> {
    const args = ['-sS', '--max-time', '20', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', `${w.url}/v1/search`];
    args.push('-H', `Authorization: Bearer ${key}`, '-H', 'Content-Type: application/json', '--data', JSON.stringify({ query }));
    const { stdout } = await execFileAsync('curl', args, { encoding: 'utf8' });
    const nl = stdout.lastIndexOf('\n');
    const text = stdout.slice(0, nl);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: Number(stdout.slice(nl + 1)), body };
  }

  /** Everything on the page a key could hide in: the HTML and every form field's live value. */
  async function pageSecrets(): Promise<string> {
    const values = await page.evaluate(() => {
      const out: string[] = [];
      const walk = (root: Document | ShadowRoot): void => {
        root.querySelectorAll('input, textarea').forEach((el) => out.push((el as HTMLInputElement).value));
        root.querySelectorAll('*').forEach((el) => el.shadowRoot && walk(el.shadowRoot));
      };
      walk(document);
      return out.join('\n');
    });
    return `${await page.content()}\n${values}`;
  }

  beforeAll(async () => {
    ensureChromium();
    buildWebBundles();
    w = await startWebWorld();
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme: 'light', acceptDownloads: true });
    page = await context.newPage();
    // Revoke and similar buttons ask window.confirm(); Playwright would dismiss it.
    page.on('dialog', (d) => void d.accept());
    problems = await watchProblems(page);
  }, 240_000);

  skipAfterFirstFailure();

  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it('lists the configured providers and sends a visitor without a session to the sign-in page', async () => {
    const providers = await fetch(`${w.url}/auth/providers`);
    expect(providers.status).toBe(200);
    expect(await providers.json()).toEqual({ items: IDPS.map((p, i) => ({ id: p.id, name: p.name, kind: 'oidc', issuer: [w.idpA, w.idpB][i]!.issuer })) });

    await page.goto(`${w.url}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/auth/signin');
    for (const idp of IDPS) {
      const link = page.getByRole('link', { name: `Continue with ${idp.name}` });
      await expect.poll(() => link.count()).toBe(1);
      expect(await link.getAttribute('href')).toMatch(new RegExp(`^/auth/signin/${idp.id}\\?return=`));
    }
    await page.screenshot({ path: `${SCREENSHOTS}/signin-page.png` });
  });

  it('signs in with IdP A and lands on the memory console with an HttpOnly session', async () => {
    await signInVia(page, () => page.getByRole('link', { name: 'Continue with Test IdP A' }).click(), w.idpA, w.url, 'alice');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.locator('body').innerText()).not.toContain('The console UI is not built');
    await expect.poll(() => page.locator('#search').isVisible()).toBe(true);
    const session = (await context.cookies(w.url)).find((c) => c.name === 'kairos_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(session!.value.length).toBeGreaterThanOrEqual(32);
    expect(await page.evaluate(() => document.cookie)).not.toContain('kairos_session');

    const me = await pageApi(page, 'GET', '/v1/me');
    expect(me.status).toBe(200);
    uid = me.json.principal.uid;
    expect(uid).toBeTruthy();
    // A write without the CSRF header is refused even with the cookie.
    const noCsrf = await page.evaluate(
      async () => (await fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).status,
    );
    expect(noCsrf).toBe(403);
    await page.screenshot({ path: `${SCREENSHOTS}/signin-console.png` });
  });

  it('tests and saves the embedding key on /account and only ever shows its last four characters', async () => {
    await page.goto(`${w.url}/account`);
    expect((await page.request.get(`${w.url}/assets/account.js`)).status(), 'GET /assets/account.js').toBe(200);
    const embedding = section('embedding');
    await expect.poll(() => embedding.isVisible()).toBe(true);
    await embedding.getByLabel('Provider').selectOption('openai');
    await embedding.getByLabel('Endpoint').fill(w.openai.baseURL);
    await embedding.getByLabel('Model').fill('text-embedding-3-small');
    await embedding.getByLabel('API key').fill(OPENAI_KEY);

    w.openai.reset();
    await embedding.getByRole('button', { name: 'Test key' }).click();
    await expect.poll(() => embedding.locator('[role=status]').innerText()).toMatch(/Key works \(1536 dimensions\)/);
    expect(w.openai.embeddingRequests().length).toBeGreaterThan(0);
    expect(w.openai.embeddingRequests().every((r) => r.headers.authorization === `Bearer ${OPENAI_KEY}`)).toBe(true);
    // Testing does not store it.
    expect((await pageApi(page, 'GET', '/v1/settings/embedder-key')).json.embedderKey).toBeNull();

    await embedding.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => embedding.innerText()).toContain('openai …WXYZ');
    expect(await embedding.getByLabel('API key').inputValue()).toBe('');
    expect(await pageSecrets()).not.toContain(OPENAI_KEY);
    const stored = await pageApi(page, 'GET', '/v1/settings/embedder-key');
    expect(stored.json.embedderKey).toMatchObject({ provider: 'openai', model: 'text-embedding-3-small', keyLast4: 'WXYZ' });
    expect(stored.text).not.toContain(OPENAI_KEY);

    await page.reload();
    await expect.poll(() => section('embedding').innerText()).toContain('openai …WXYZ');
    const after = await pageSecrets();
    expect(after).not.toContain(OPENAI_KEY);
    expect(after).not.toContain(OPENAI_KEY.slice(0, -4));
  });

  it('captures a memory in the console and finds it with search', async () => {
    await page.goto(`${w.url}/`);
    await expect.poll(() => page.locator('#search').isVisible()).toBe(true);
    if (!(await page.locator('#capture').isVisible())) await page.click('#capture-toggle');
    await page.locator('#capture-text textarea').fill(MEMORY);
    await page.locator('#capture-tags input').fill('release');
    await page.click('#capture-save');
    await expect.poll(() => page.locator('#capture').isHidden()).toBe(true);
    await expect.poll(() => rows().count()).toBe(1);

    await page.locator('#search input').pressSequentially('release approvals', { delay: 20 });
    await expect.poll(() => page.locator('#status').textContent()).toMatch(/result.* for “release approvals”/);
    await expect.poll(() => rows().first().locator('.row-text').textContent()).toBe(MEMORY);
  });

  it('creates an API key on /account, shows it once, and curl finds the memory with it', async () => {
    await page.goto(`${w.url}/account`);
    const keys = section('api-keys');
    await expect.poll(() => keys.isVisible()).toBe(true);
    await keys.getByLabel('Key name').fill('curl from e2e');
    await keys.getByRole('button', { name: 'Create key' }).click();
    const shown = keys.getByLabel('Your new key');
    await expect.poll(() => shown.count()).toBe(1);
    apiKey = await shown.inputValue();
    expect(apiKey).toMatch(/^kairos_sk_[A-Za-z0-9_-]{43}$/);
    await expect.poll(() => keys.innerText()).toContain('curl from e2e');

    const r = await curlSearch(apiKey, 'release checklist');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items.map((h: { memory: { text: string } }) => h.memory.text)).toContain(MEMORY);

    // After a reload only the prefix is left.
    await page.reload();
    await expect.poll(() => section('api-keys').innerText()).toContain(`${apiKey.slice(0, 18)}…`);
    expect(await pageSecrets()).not.toContain(apiKey);
  });

  it('links IdP B to the same Kairos user from the account page', async () => {
    const linked = section('linked-accounts');
    await expect.poll(() => linked.isVisible()).toBe(true);
    await signInVia(page, () => linked.getByRole('link', { name: 'Link Test IdP B' }).click(), w.idpB, w.url, 'alice-b');
    expect(new URL(page.url()).pathname).toBe('/account');
    const identities = section('linked-accounts')
      .locator('li')
      .filter({ has: page.getByRole('button', { name: 'Unlink' }) });
    await expect.poll(() => identities.count()).toBe(2);
    const text = (await identities.allInnerTexts()).join('\n');
    // Named after the configured providers, shown as the email each one reported.
    for (const [name, email] of [
      ['Test IdP A', 'alice@example.test'],
      ['Test IdP B', 'alice-b@example.test'],
    ] as const) {
      expect(text).toContain(name);
      expect(text).toContain(email);
    }
    const me = (await pageApi(page, 'GET', '/v1/me')).json.principal;
    expect(me.uid).toBe(uid);
    expect(me.displayName).toBe('alice@example.test');
    await expect.poll(() => page.locator('header.top .who').innerText()).toContain('Signed in as alice@example.test');
    const channels = await pageApi(page, 'GET', '/v1/link/channels');
    expect(channels.json.items.map((c: { uid: string }) => c.uid).sort()).toEqual([`${w.idpA.issuer}:alice`, `${w.idpB.issuer}:alice-b`].sort());
    await page.screenshot({ path: `${SCREENSHOTS}/signin-linked.png`, fullPage: true });
  });

  it('saves light and dark screenshots of the account page with no console errors', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await expect.poll(() => section('embedding').innerText()).toContain('WXYZ');
    await page.mouse.move(0, 0);
    await page.screenshot({ path: `${SCREENSHOTS}/account-light.png`, fullPage: true });
    const lightBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await expect.poll(() => section('embedding').innerText()).toContain('WXYZ');
    await page.screenshot({ path: `${SCREENSHOTS}/account-dark.png`, fullPage: true });
    const darkBg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(darkBg).not.toBe(lightBg);
    await page.emulateMedia({ colorScheme: 'light' });
    expect(problems).toEqual([]);
  });

  it('signs out, then signs in with IdP B and sees the same memories', async () => {
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/auth/signin');
    await expect.poll(() => page.locator('[role=status]').textContent()).toBe('You are signed out.');
    expect((await pageApi(page, 'GET', '/v1/me')).status).toBe(401);
    expect((await context.cookies(w.url)).find((c) => c.name === 'kairos_session')).toBeUndefined();

    await page.goto(`${w.url}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/auth/signin');
    await signInVia(page, () => page.getByRole('link', { name: 'Continue with Test IdP B' }).click(), w.idpB, w.url, 'alice-b');
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await pageApi(page, 'GET', '/v1/me')).json.principal.uid).toBe(uid);
    await expect.poll(() => rows().first().locator('.row-text').textContent()).toBe(MEMORY);
    const listed = await pageApi(page, 'GET', '/v1/memories');
    expect(listed.json.items.map((m: { text: string }) => m.text)).toEqual([MEMORY]);
    await page.screenshot({ path: `${SCREENSHOTS}/signin-idp-b.png` });
  });

  it('exports, then deletes the account after the typed confirmation: signed out and the API key is dead', async () => {
    await page.goto(`${w.url}/account`);
    const danger = section('delete-account');
    await expect.poll(() => danger.isVisible()).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), danger.getByRole('button', { name: 'Export first' }).click()]);
    expect(download.suggestedFilename()).toBe('kairos-export.json');
    const exported = await readFile((await download.path())!, 'utf8');
    expect(exported).toContain(MEMORY);
    expect(exported).not.toContain(OPENAI_KEY);
    expect(exported).not.toContain(apiKey);

    const remove = danger.getByRole('button', { name: 'Delete account' });
    expect(await remove.isDisabled()).toBe(true);
    await danger.getByLabel('To confirm, type: delete my account').fill('delete my accoun');
    expect(await remove.isDisabled()).toBe(true);
    await danger.getByLabel('To confirm, type: delete my account').fill('delete my account');
    await expect.poll(() => remove.isEnabled()).toBe(true);
    await remove.click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/auth/signin');
    await expect.poll(() => page.locator('[role=status]').textContent()).toBe('Your account and its memories were deleted.');
    expect((await pageApi(page, 'GET', '/v1/me')).status).toBe(401);
    await page.screenshot({ path: `${SCREENSHOTS}/signin-deleted.png` });

    expect((await curlSearch(apiKey, 'release checklist')).status).toBe(401);
  });
});
