/**
 * The Account page's Connectors section in Chromium: hidden for a person who is not a deployment
 * admin; for an admin (KAIROS_ADMINS) it creates a connector, shows its secret once (the secret
 * then works for a channel user over REST), lists it with its last use, and revokes it.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium, launch, SCREENSHOTS, skipAfterFirstFailure, watchProblems } from './harness.js';
import { buildWebBundles, signInVia, startWebWorld, type WebWorld } from './serviceWorld.js';

describe('connectors on the account page in Chromium', () => {
  let w: WebWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let secret = '';

  const asBot = (user: string): Promise<number> =>
    fetch(`${w.url}/v1/me`, { headers: { authorization: `Bearer ${secret}`, 'x-kairos-channel-user': user } }).then((r) => r.status);

  beforeAll(async () => {
    ensureChromium();
    buildWebBundles();
    w = await startWebWorld(({ idpA }) => ({ KAIROS_ADMINS: `oidc:${idpA.issuer}:operator` }));
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    problems = await watchProblems(page);
  }, 240_000);

  skipAfterFirstFailure();

  afterAll(async () => {
    await browser?.close();
    await w?.close();
  });

  it('shows no Connectors section to a person who is not a deployment admin', async () => {
    await page.goto(`${w.url}/auth/signin?return=/account`);
    await signInVia(page, () => page.getByRole('link', { name: 'Continue with Test IdP B' }).click(), w.idpB, w.url, 'someone');
    await expect.poll(() => page.locator('#teams').isVisible()).toBe(true);
    await expect.poll(() => page.locator('#connectors').isHidden()).toBe(true);
    await expect.poll(() => page.locator('nav.toc a[href="#connectors"]').isHidden()).toBe(true);
    await page
      .getByRole('button', { name: /^Sign out$/ })
      .first()
      .click();
    await page.waitForURL((u) => u.pathname.startsWith('/auth/'), { timeout: 20_000 });
  });

  it('lets an admin create a connector, shows the secret once, and revokes it', async () => {
    await page.goto(`${w.url}/auth/signin?return=/account`);
    await signInVia(page, () => page.getByRole('link', { name: 'Continue with Test IdP A' }).click(), w.idpA, w.url, 'operator');
    const section = page.locator('#connectors');
    await expect.poll(() => section.isVisible()).toBe(true);
    await section.getByLabel('Connector name').fill('Home Telegram bot');
    await section.getByLabel('Channel').fill('github');
    await section.getByRole('button', { name: 'Create connector' }).click();
    await expect.poll(() => section.locator('form [role=alert]').innerText()).toContain('reserved for Kairos');
    await section.getByLabel('Channel').fill('telegram');
    await section.getByLabel('First contact').selectOption('create');
    await section.getByRole('button', { name: 'Create connector' }).click();
    const shown = section.getByLabel('Connector secret');
    await expect.poll(() => shown.count()).toBe(1);
    secret = await shown.inputValue();
    expect(secret).toMatch(/^kairos_ck_[A-Za-z0-9_-]{43}$/);
    expect(await asBot('4242')).toBe(200);

    await page.reload();
    await expect.poll(() => section.innerText()).toContain(`${secret.slice(0, 18)}…`);
    expect(await section.innerText()).toContain('First contact: create');
    expect(await section.innerText()).not.toContain('last used never');
    expect(await page.content()).not.toContain(secret);
    await page.screenshot({ path: `${SCREENSHOTS}/account-connectors.png`, fullPage: true });

    await section.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => section.innerText()).toContain('revoked');
    expect(await asBot('4242')).toBe(401);
    expect(problems).toEqual([]);
  });
});
