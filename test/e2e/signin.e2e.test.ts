/**
 * Web sign-in to the shared service end to end: a service-mode Kairos in process (PostgreSQL
 * identity), two real OpenID providers and the fake OpenAI API on loopback, driven in Debian
 * Chromium the way a person would: sign in, set the embedding key, capture and search, create an
 * API key and use it from curl, link a second identity, sign in with it, export and delete.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, launch, SCREENSHOTS, watchProblems } from './harness.js';
import { buildWebBundles, IDPS, pageApi, signInVia, startWebWorld, type WebWorld } from './serviceWorld.js';

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

  /** POST /v1/search with the API key through the real curl binary. */
  function curlSearch(key: string, query: string): { status: number; body: any } {
    const r = spawnSync(
      'curl',
      ['-sS', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', `${w.url}/v1/search`, '-H', `Authorization: Bearer ${key}`, '-H', 'Content-Type: application/json', '--data', JSON.stringify({ query })],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`curl failed (${r.status}): ${r.stderr}`);
    const nl = r.stdout.lastIndexOf('\n');
    const text = r.stdout.slice(0, nl);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: Number(r.stdout.slice(nl + 1)), body };
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

  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it('lists the configured providers and sends a visitor without a session to the sign-in page', async () => {
    const providers = await fetch(`${w.url}/auth/providers`);
    expect(providers.status).toBe(200);
    expect(await providers.json()).toEqual({ items: IDPS.map((p) => ({ id: p.id, name: p.name })) });

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
    await expect.poll(() => page.locator('#search').isVisible()).toBe(true);
    const kairosCookies = (await context.cookies(w.url)).filter((c) => !c.name.startsWith('_'));
    expect(kairosCookies.some((c) => c.httpOnly && c.value.length >= 32)).toBe(true);
    expect(await page.evaluate(() => document.cookie)).not.toMatch(/kairos/i);

    const me = await pageApi(page, 'GET', '/v1/me');
    expect(me.status).toBe(200);
    uid = me.json.principal.uid;
    expect(uid).toBeTruthy();
    // A write without the CSRF header is refused even with the cookie.
    const noCsrf = await page.evaluate(async () => (await fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })).status);
    expect(noCsrf).toBe(403);
    await page.screenshot({ path: `${SCREENSHOTS}/signin-console.png` });
  });

  it('tests and saves the embedding key on /account and only ever shows its last four characters', async () => {
    await page.goto(`${w.url}/account`);
    const embedding = section('embedding');
    await expect.poll(() => embedding.isVisible()).toBe(true);
    await embedding.getByLabel(/provider/i).selectOption('openai');
    await embedding.getByLabel(/endpoint/i).fill(w.openai.baseURL);
    await embedding.getByLabel(/model/i).fill('text-embedding-3-small');
    await embedding.getByLabel(/api key/i).fill(OPENAI_KEY);

    w.openai.reset();
    await embedding.getByRole('button', { name: 'Test key' }).click();
    await expect.poll(() => embedding.innerText()).toMatch(/works|success|valid|verified|ok/i);
    expect(w.openai.embeddingRequests().length).toBeGreaterThan(0);
    expect(w.openai.embeddingRequests().every((r) => r.headers.authorization === `Bearer ${OPENAI_KEY}`)).toBe(true);

    await embedding.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => embedding.innerText()).toContain('WXYZ');
    expect(await pageSecrets()).not.toContain(OPENAI_KEY);
    const stored = await pageApi(page, 'GET', '/v1/settings/embedder-key');
    expect(stored.json.embedderKey).toMatchObject({ provider: 'openai', model: 'text-embedding-3-small', keyLast4: 'WXYZ' });
    expect(stored.text).not.toContain(OPENAI_KEY);

    await page.reload();
    await expect.poll(() => section('embedding').innerText()).toContain('WXYZ');
    expect(await pageSecrets()).not.toContain(OPENAI_KEY);
    expect(await pageSecrets()).not.toContain(OPENAI_KEY.slice(0, -4));
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
    const name = keys.getByLabel(/name/i);
    if ((await name.count()) > 0) await name.first().fill('curl from e2e');
    await keys.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(async () => /kairos_sk_[A-Za-z0-9_-]+/.exec(await pageSecrets())?.[0]).toBeTruthy();
    apiKey = /kairos_sk_[A-Za-z0-9_-]+/.exec(await pageSecrets())![0];

    const r = curlSearch(apiKey, 'release checklist');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items.map((h: { memory: { text: string } }) => h.memory.text)).toContain(MEMORY);

    await page.reload();
    await expect.poll(() => section('api-keys').innerText()).toContain(apiKey.slice(0, 14));
    expect(await pageSecrets()).not.toContain(apiKey);
  });

  it('links IdP B to the same Kairos user from the account page', async () => {
    const linked = section('linked-accounts');
    await expect.poll(() => linked.isVisible()).toBe(true);
    await signInVia(page, () => linked.getByRole('link', { name: 'Link Test IdP B' }).click(), w.idpB, w.url, 'alice-b');
    expect(new URL(page.url()).pathname).toBe('/account');
    await expect.poll(() => section('linked-accounts').getByRole('button', { name: 'Unlink' }).count()).toBe(2);
    const text = await section('linked-accounts').innerText();
    expect(text).toContain('Test IdP A');
    expect(text).toContain('Test IdP B');
    expect((await pageApi(page, 'GET', '/v1/me')).json.principal.uid).toBe(uid);
    const channels = await pageApi(page, 'GET', '/v1/link/channels');
    expect(channels.json.items).toHaveLength(2);
    await page.screenshot({ path: `${SCREENSHOTS}/signin-linked.png`, fullPage: true });
  });

  it('saves light and dark screenshots of the account page with no console errors', async () => {
    await page.emulateMedia({ colorScheme: 'light' });
    await page.reload();
    await expect.poll(() => section('embedding').innerText()).toContain('WXYZ');
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
    const out = await pageApi(page, 'POST', '/auth/signout');
    expect(out.status).toBeLessThan(400);
    expect((await pageApi(page, 'GET', '/v1/me')).status).toBe(401);

    await page.goto(`${w.url}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe('/auth/signin');
    await signInVia(page, () => page.getByRole('link', { name: 'Continue with Test IdP B' }).click(), w.idpB, w.url, 'alice-b');
    expect(new URL(page.url()).pathname).toBe('/');
    expect((await pageApi(page, 'GET', '/v1/me')).json.principal.uid).toBe(uid);
    await expect.poll(() => rows().first().locator('.row-text').textContent()).toBe(MEMORY);
    await page.screenshot({ path: `${SCREENSHOTS}/signin-idp-b.png` });
  });

  it('exports, then deletes the account after the typed confirmation: signed out and the API key is dead', async () => {
    await page.goto(`${w.url}/account`);
    const danger = section('delete-account');
    await expect.poll(() => danger.isVisible()).toBe(true);
    const [download] = await Promise.all([page.waitForEvent('download'), danger.getByRole('button', { name: 'Export first' }).click()]);
    const exported = await readFile((await download.path())!, 'utf8');
    expect(exported).toContain(MEMORY);
    expect(exported).not.toContain(OPENAI_KEY);

    const remove = danger.getByRole('button', { name: 'Delete account' });
    expect(await remove.isDisabled()).toBe(true);
    await danger.getByRole('textbox').fill('delete my account');
    await expect.poll(() => remove.isEnabled()).toBe(true);
    await remove.click();
    await expect.poll(() => new URL(page.url()).pathname).toMatch(/^\/auth\/signin|^\/$/);
    expect((await pageApi(page, 'GET', '/v1/me')).status).toBe(401);
    await page.screenshot({ path: `${SCREENSHOTS}/signin-deleted.png` });

    expect(curlSearch(apiKey, 'release checklist').status).toBe(401);
  });
});
