import { describe, expect, it } from 'vitest';
import { accountAssetNames, accountPageCsp, renderAccountPage } from '../../src/server/accountPage.js';

const nonce = 'abcDEF123456+/==';

describe('renderAccountPage', () => {
  it('loads the palette, codicons, the account styles and the bundle, each with the nonce', () => {
    const html = renderAccountPage({ nonce });
    const links = (html.match(/<link\b[^>]*>/g) ?? []).filter((l) => l.includes('rel="stylesheet"'));
    expect(links.map((l) => /href="([^"]+)"/.exec(l)?.[1])).toEqual(['/assets/console.css', '/assets/codicon.css', '/assets/account.css']);
    for (const l of links) expect(l).toContain(`nonce="${nonce}"`);
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts).toEqual([`<script nonce="${nonce}" src="/assets/account.js">`]);
    expect(accountAssetNames.script).toBe('account.js');
    expect(html).toContain('<div id="account"');
    // No favicon request (it would 404 and log an error): an empty data: icon, which img-src allows.
    expect(html).toContain('<link rel="icon" href="data:,">');
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('has no inline script or style and states its policy in a meta tag', () => {
    const html = renderAccountPage({ nonce });
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
    expect(meta?.replace(/&#39;/g, "'")).toBe(
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self' 'nonce-${nonce}'; font-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'`,
    );
  });

  it('escapes the title', () => {
    const html = renderAccountPage({ nonce, title: '</title><script>alert(1)</script>' });
    expect(html).toContain('<title>&#60;/title&#62;&#60;script&#62;alert(1)&#60;/script&#62;</title>');
    expect(html).not.toContain('<script>alert');
    expect(renderAccountPage({ nonce })).toContain('<title>Kairos account</title>');
  });

  it('refuses a nonce that could break out of the policy or the attribute', () => {
    for (const bad of ['', 'short', `abcdefgh'; script-src *`, 'abcdefgh" onload="x', 'abc defgh12', 'abcdefgh;x']) {
      expect(() => renderAccountPage({ nonce: bad })).toThrow(/nonce/);
      expect(() => accountPageCsp(bad)).toThrow(/nonce/);
    }
  });
});

describe('accountPageCsp', () => {
  it('is the meta policy plus frame-ancestors, nothing unsafe', () => {
    const csp = accountPageCsp(nonce);
    expect(csp).toBe(
      `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'self' 'nonce-${nonce}'; font-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    );
    expect(csp).not.toContain('unsafe');
  });
});
