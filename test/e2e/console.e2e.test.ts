/**
 * The web console end to end: a real `kairos serve` (embedded store, local embedder) on
 * loopback, driven in Debian Chromium the way a user would.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from './axe.js';
import { buildAll, ensureChromium, launch, SCREENSHOTS, serve, watchProblems, type Served } from './harness.js';

const XSS = '<img src=x onerror="window.__xss=1">Never run me';

describe('web console in Chromium', () => {
  let served: Served;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  const search = () => page.locator('#search input');
  const rows = () => page.locator('li[role=option]');
  const status = () => page.locator('#status');

  async function capture(text: string, tags = ''): Promise<void> {
    if (!(await page.locator('#capture').isVisible())) await page.click('#capture-toggle');
    await page.locator('#capture-text textarea').fill(text);
    await page.locator('#capture-tags input').fill(tags);
    await page.click('#capture-save');
    // A saved capture closes the box and puts the memory on top of the recent list.
    await expect.poll(() => page.locator('#capture').isHidden()).toBe(true);
    await expect.poll(() => page.locator('.toast .notice').textContent()).toMatch(/saved|remembered|Updated/);
  }

  async function blur(): Promise<void> {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  }

  /** Reads a memory through the REST API with the page's own session cookie. */
  async function restGet(id: string): Promise<number> {
    return page.evaluate(async (i) => (await fetch(`/v1/memories/${encodeURIComponent(i)}`)).status, id);
  }

  async function firstRowId(): Promise<string> {
    return page.evaluate(async () => {
      const r = await fetch('/v1/memories?limit=1');
      return ((await r.json()) as { items: Array<{ id: string }> }).items[0]!.id;
    });
  }

  beforeAll(async () => {
    ensureChromium();
    await buildAll();
    served = await serve();
    browser = await launch();
    context = await browser.newContext({ viewport: { width: 480, height: 760 }, colorScheme: 'light' });
    page = await context.newPage();
    problems = await watchProblems(page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await served?.stop();
  });

  it('logs in through the printed one-time URL and explains the empty list', async () => {
    const res = await page.goto(served.consoleUrl);
    expect(new URL(page.url()).search).toBe('');
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('.empty h2').textContent()).toBe('No memories yet');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'kairos_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
  });

  it('captures memories and lists the newest first', async () => {
    await capture('The staging database is Postgres 16 on port 5433', 'infra, db');
    await capture('Run the integration tests with npm run test:int before merging', 'testing');
    await capture('Deploys go out on Tuesdays after the standup');
    await expect.poll(() => rows().count()).toBe(3);
    await expect(rows().first().locator('.row-text').textContent()).resolves.toBe('Deploys go out on Tuesdays after the standup');
    await expect(status().textContent()).resolves.toBe('3 recent memories');
  });

  it('searches as you type and highlights the matching words', async () => {
    await blur();
    await page.keyboard.press('/');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('search');
    await search().pressSequentially('postgres', { delay: 40 });
    await expect.poll(() => status().textContent()).toMatch(/result.* for “postgres”/);
    await expect(rows().first().locator('mark').first().textContent()).resolves.toBe('Postgres');
    // A quiet hint of why it matched; never a raw fusion score.
    await expect(rows().first().locator('.match').getAttribute('aria-label')).resolves.toMatch(/^Matches (words|meaning)/);
    await expect(rows().first().locator('.row-meta').innerText()).resolves.not.toMatch(/\.\d{3}/);
  });

  it('says "No matching memories" for a query nothing matches', async () => {
    await search().fill('zzqqxx');
    await expect.poll(() => page.locator('.empty h2').textContent()).toBe('No matching memories');
    await search().fill('postgres');
    await expect.poll(() => status().textContent()).toMatch(/result.* for “postgres”/);
  });

  it("names every input for assistive technology, down to the toolkit's inner input", async () => {
    await page.click('#capture-toggle');
    await expect(page.getByRole('textbox', { name: 'Search memories', exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('textbox', { name: 'Memory text', exact: true }).count()).resolves.toBe(1);
    await expect(page.getByRole('textbox', { name: 'Tags', exact: true }).count()).resolves.toBe(1);
    expect(await page.getByRole('textbox', { name: /^Text (field|area)$/ }).count()).toBe(0);
    await page.keyboard.press('Escape');
  });

  it('has no serious or critical axe-core violations in the list, the capture form and a memory', async () => {
    expect(await axeViolations(page)).toEqual([]);
    await page.click('#capture-toggle');
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#capture-text textarea').press('Escape');
    await rows().first().click();
    await page.locator('#memory-text').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await page.keyboard.press('Escape');
  });

  it('moves through results with the keyboard, opens with Enter and goes back with Esc', async () => {
    await search().fill('');
    await search().press('Escape');
    await expect.poll(() => status().textContent()).toBe('3 recent memories');
    expect(await rows().first().locator('.row-text').textContent()).toBe('Deploys go out on Tuesdays after the standup');
    await page.keyboard.press('Control+f');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('search');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-selected'));
    expect(focused).toBe('true');
    const second = await rows().nth(1).locator('.row-text').textContent();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#memory-text').textContent()).toBe(second);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.evaluate(() => document.activeElement?.querySelector('.row-text')?.textContent)).toBe(second);
  });

  it('edits a memory in place and restores its older version', async () => {
    await rows().first().click();
    await page.click('#edit');
    const area = page.locator('#edit-text textarea');
    await area.fill('Deploys go out on Wednesdays after the standup');
    await area.press('Control+Enter');
    await expect.poll(() => page.locator('#memory-text').textContent()).toBe('Deploys go out on Wednesdays after the standup');
    await expect(page.locator('.detail-title').textContent()).resolves.toBe('Memory · v2');
    await page.getByRole('button', { name: 'Restore version 1' }).click();
    await expect.poll(() => page.locator('#memory-text').textContent()).toBe('Deploys go out on Tuesdays after the standup');
    await expect(page.locator('.detail-title').textContent()).resolves.toBe('Memory · v3');
    await expect.poll(() => page.locator('.version').count()).toBe(2);
  });

  it('deletes only after the undo window, and undo keeps the memory', async () => {
    const id = await firstRowId();
    await page.keyboard.press('Delete');
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('confirm-delete');
    await page.click('#confirm-delete');
    await expect.poll(() => rows().count()).toBe(2);
    await page.click('#undo');
    await expect.poll(() => rows().count()).toBe(3);
    await page.waitForTimeout(5600);
    expect(await restGet(id)).toBe(200);

    await rows().first().focus();
    await page.keyboard.press('Delete');
    await page.click('#confirm-delete');
    await expect.poll(() => rows().count()).toBe(2);
    expect(await restGet(id)).toBe(200);
    await expect.poll(() => restGet(id), { timeout: 9000, interval: 500 }).toBe(404);
  });

  it('shows markup stored in a memory as text and runs none of it', async () => {
    await capture(XSS, 'security');
    await expect.poll(() => rows().first().locator('.row-text').textContent()).toBe(XSS);
    await rows().first().click();
    await expect.poll(() => page.locator('#memory-text').textContent()).toBe(XSS);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    await page.keyboard.press('Escape');
  });

  it('keeps the rows it shows when a change off the page refreshes the list, so a click on a row is not lost', async () => {
    // More memories than a page: the oldest is off it, so deleting that one changes nothing shown.
    const ids = await page.evaluate(async () => {
      const out: string[] = [];
      for (let i = 0; i < 22; i++) {
        const r = await fetch('/v1/memories', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-Kairos-CSRF': '1' },
          body: JSON.stringify({ text: `Page filler ${i}: the build cache lives on volume ${i}` }),
        });
        out.push(((await r.json()) as { memory: { id: string } }).memory.id);
      }
      return out;
    });
    await expect.poll(() => rows().first().locator('.row-text').textContent()).toContain('Page filler 21');
    await page.waitForTimeout(500); // the writes' own refreshes settle
    await rows()
      .first()
      .evaluate((li) => li.setAttribute('data-kept', '1'));
    const refreshed = page.waitForResponse((r) => /\/v1\/memories\?/.test(r.url()) && r.request().method() === 'GET');
    expect(
      await page.evaluate(async (id) => (await fetch(`/v1/memories/${id}`, { method: 'DELETE', headers: { 'X-Kairos-CSRF': '1' } })).status, ids[0]!),
    ).toBe(200);
    await refreshed;
    await page.waitForTimeout(200);
    // The same element: a background refresh that finds the same page rebuilds nothing.
    expect(await page.locator('li[data-kept]').count()).toBe(1);
    await rows().first().click();
    await expect.poll(() => page.locator('#memory-text').textContent()).toContain('Page filler 21');
    await page.keyboard.press('Escape');
  });

  it("shows a refused capture's server message in the form, keeps the text and focus in it", async () => {
    await page.click('#capture-toggle');
    await page.locator('#capture-text textarea').fill('x'.repeat(16_001));
    await page.click('#capture-save');
    await expect.poll(() => page.locator('#capture-note[role=alert]').textContent()).toMatch(/text.*16000/);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('capture-text');
    expect((await page.locator('#capture-text textarea').inputValue()).length).toBe(16_001);
    await page.locator('#capture-text textarea').fill('');
    await page.keyboard.press('Escape');
    expect(await page.locator('#capture').isHidden()).toBe(true);
    expect(await page.locator('.banner').isHidden()).toBe(true);
  });

  it('fits a 250 px sidebar without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 250, height: 600 });
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(250);
    await rows().first().click();
    await expect.poll(() => page.locator('#memory-text').isVisible()).toBe(true);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(250);
    await page.screenshot({ path: `${SCREENSHOTS}/console-narrow-detail.png` });
    await page.keyboard.press('Escape');
    await page.setViewportSize({ width: 480, height: 760 });
  });

  it('shows a stale anchored memory with its badge, and "Still true" clears it', async () => {
    // An editor captured these lines; the editor's re-check then found them changed.
    const id = await page.evaluate(async () => {
      const post = async <T>(path: string, body: unknown): Promise<T> => {
        const r = await fetch(path, { method: 'POST', headers: { 'X-Kairos-CSRF': '1', 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
        if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
        return (await r.json()) as T;
      };
      const lines = ['export function backoff(attempt: number): number {', '  return Math.min(250 * 2 ** attempt, 8000);', '}'];
      const created = await post<{ memory: { id: string } }>('/v1/memories', {
        text: 'Retry backoff doubles from 250 ms and stops at 8 s',
        source: { kind: 'editor', anchor: { repo: 'github.com/acme/widgets', path: 'src/retry.ts', startLine: 4, endLine: 6, commit: 'f4afd69', lines } },
      });
      await post(`/v1/memories/${created.memory.id}/anchor-check`, { check: { state: 'stale', reason: 'changed' }, commit: 'b7c8d9e' });
      return created.memory.id;
    });
    await page.reload();
    const row = rows().filter({ hasText: 'Retry backoff doubles' });
    await expect.poll(() => row.locator('.stale-badge').count()).toBe(1);
    await row.click();
    await expect.poll(() => page.locator('.stale-note').textContent()).toMatch(/Stale/);
    // The console cannot read the code: only the actions that need none are offered.
    expect(await page.locator('#still-true').isVisible()).toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/console-stale-memory.png` });
    await page.click('#still-true');
    await expect.poll(() => page.locator('.stale-note').count()).toBe(0);
    const anchorState = await page.evaluate(async (i) => {
      const m = (await (await fetch(`/v1/memories/${encodeURIComponent(i)}`)).json()) as { source: { anchor?: { status?: { state?: string } } } };
      return m.source.anchor?.status?.state;
    }, id);
    expect(anchorState).toBe('fresh');
    await page.keyboard.press('Escape');
    await expect.poll(() => row.locator('.stale-badge').count()).toBe(0);
  });

  it('saves light and dark screenshots with no console errors or CSP violations', async () => {
    await capture('Prefer named exports; default exports confuse the refactoring tools', 'style, typescript');
    await page.locator('#search input').fill('');
    await blur();
    await page.keyboard.press('/');
    await search().pressSequentially('tests', { delay: 30 });
    await expect.poll(() => status().textContent()).toMatch(/for “tests”/);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: `${SCREENSHOTS}/console-light.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.reload();
    await expect.poll(() => status().textContent()).toMatch(/for “tests”/);
    await page.screenshot({ path: `${SCREENSHOTS}/console-dark.png` });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).toBe('rgb(31, 31, 31)');
    expect(problems).toEqual([]);
  });
});
