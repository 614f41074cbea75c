import { describe, expect, it } from 'vitest';
import { renderShell, shellCsp, webviewAssetNames } from '../../src/ui/shell.js';

const base = {
  nonce: 'abcDEF123456+/==',
  scriptUri: '/assets/main.js',
  styleUri: '/assets/main.css',
  codiconUri: '/assets/codicon.css',
  cspSource: "'self'",
};

describe('renderShell', () => {
  it('allows only our nonce for scripts and styles and nothing by default', () => {
    const csp = shellCsp({ nonce: 'n0nce123', cspSource: 'https://x.vscode-cdn.net', host: 'vscode' });
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'nonce-n0nce123'");
    expect(csp).toContain("style-src 'nonce-n0nce123'");
    expect(csp).toContain('font-src https://x.vscode-cdn.net');
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toContain('unsafe');
  });

  it('puts the CSP and the toolkit csp-nonce meta in the head and the nonce on every script and style', () => {
    const html = renderShell({ ...base, host: 'console', consoleStyleUri: '/assets/console.css' });
    expect(html).toContain('<meta http-equiv="Content-Security-Policy"');
    expect(html).toContain(`<meta property="csp-nonce" content="${base.nonce}">`);
    const tags = html.match(/<(script|link)\b[^>]*>/g) ?? [];
    expect(tags).toHaveLength(4);
    for (const t of tags) expect(t).toContain(`nonce="${base.nonce}"`);
    expect(html).toContain('href="/assets/console.css"');
    expect(html).toContain('data-host="console"');
    expect(html).toContain('connect-src &#39;self&#39;');
    expect(html).not.toMatch(/<script\b[^>]*>[^<]+<\/script>/);
    expect(html).not.toMatch(/<style\b/);
  });

  it('leaves the console palette out of the VS Code page', () => {
    const html = renderShell({ ...base, host: 'vscode', consoleStyleUri: '/assets/console.css' });
    expect(html).not.toContain('console.css');
    expect(html).toContain('class="host-vscode"');
  });

  it('escapes asset URIs and refuses a nonce or source that could break out of the policy', () => {
    const html = renderShell({ ...base, host: 'vscode', scriptUri: 'https://x/"><script>alert(1)</script>' });
    expect(html).not.toContain('"><script>alert(1)');
    expect(() => renderShell({ ...base, host: 'vscode', nonce: "x'; script-src *" })).toThrow(/nonce/);
    expect(() => renderShell({ ...base, host: 'vscode', cspSource: "* 'unsafe-inline'" })).toThrow(/cspSource/);
  });

  it("accepts a webview cspSource that lists several sources, as code-server's does", () => {
    const html = renderShell({ ...base, host: 'vscode', cspSource: "'self' https://*.vscode-cdn.net" });
    expect(html).toContain('font-src &#39;self&#39; https://*.vscode-cdn.net');
    expect(() => renderShell({ ...base, host: 'vscode', cspSource: "'self' https://a.net; script-src *" })).toThrow(/cspSource/);
  });

  it('names the built files hosts must serve', () => {
    expect(webviewAssetNames).toMatchObject({ script: 'main.js', style: 'main.css', codicons: 'codicon.css', consoleStyle: 'console.css' });
  });
});
