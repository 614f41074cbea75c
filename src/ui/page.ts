/**
 * Small server-rendered pages (sign-in, consent, errors): self-contained HTML with the styles
 * inline under a per-response nonce, and the Content-Security-Policy that goes with them.
 */

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;--accent:#0969da;--accent-fg:#fff;--danger:#cf222e}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;--accent:#2f81f7;--danger:#f85149}}
body{font:15px/1.5 system-ui,sans-serif;max-width:34rem;margin:4rem auto;padding:0 1rem;color:var(--fg);background:var(--bg)}
h1{font-size:1.5rem;margin:0 0 1rem}code{background:color-mix(in srgb,var(--fg) 10%,transparent);padding:.1rem .3rem;border-radius:3px}
.muted{color:var(--muted)}.error{color:var(--danger)}
.stack{display:flex;flex-direction:column;gap:.6rem;margin:1.5rem 0}
a.button,button{display:block;box-sizing:border-box;width:100%;padding:.65rem 1rem;border:1px solid var(--line);border-radius:6px;background:transparent;color:var(--fg);font:inherit;text-align:center;text-decoration:none;cursor:pointer}
a.button:hover,button:hover{border-color:var(--accent)}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--accent-fg)}
ul.scopes{padding-left:1.2rem}.row{display:flex;gap:.6rem}.row>*{flex:1}
a:focus-visible,button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
`;

/** A minimal page; `body` is trusted HTML (callers escape what they interpolate). */
export function simplePage(title: string, body: string, nonce: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${STYLE}</style>
</head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

/**
 * The policy for these pages: no script at all, inline style only by nonce, forms only to this
 * origin plus `formTargets` (a consent form's POST ends in a redirect to the client, and
 * browsers apply form-action to that redirect too).
 */
export function simplePageCsp(nonce: string, formTargets: readonly string[] = []): string {
  return [
    "default-src 'none'",
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    `form-action 'self'${formTargets.map((t) => ` ${t}`).join('')}`,
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
