/**
 * The HTML page that hosts the memory UI, for both hosts: the VS Code webview and the web
 * console. Pure: callers pass a fresh nonce per render and the URIs of the built assets.
 */

/** File names of the built UI in media/webview/ (one bundle serves both hosts). */
export const webviewAssetNames = {
  script: 'main.js',
  style: 'main.css',
  codicons: 'codicon.css',
  codiconFont: 'codicon.ttf',
  /** Light and dark palettes of the --vscode-* variables; the console only. */
  consoleStyle: 'console.css',
} as const;

/** Folder of the built UI, relative to the package root. */
export const webviewAssetDir = 'media/webview';

export interface ShellOptions {
  /** Fresh per render; base64 or base64url characters. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
  /**
   * Sources allowed for fonts: `webview.cspSource` in VS Code (may list several, e.g.
   * "'self' https://*.vscode-cdn.net"), `'self'` in the console.
   */
  cspSource: string;
  host: 'vscode' | 'console';
  /** The console's palette stylesheet; ignored for VS Code, which supplies its own theme. */
  consoleStyleUri?: string;
  /** Page title (the console shows it in the tab). */
  title?: string;
  /** The console of a shared service, which has an Account page (/account) to link to. */
  accountPage?: boolean;
}

const NONCE_RE = /^[A-Za-z0-9+/=_-]{8,}$/;
/** One CSP source: 'self' or a scheme/host expression, never a directive separator or keyword. */
const SOURCE_RE = /^(?:'self'|[A-Za-z][A-Za-z0-9+.-]*:(?:\/\/[A-Za-z0-9*.:[\]-]+)?(?:\/[^\s;,']*)?|\*\.[A-Za-z0-9.-]+)$/;

/** Escapes text for an HTML attribute value or element content. */
export function attr(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** Whether a nonce is safe in a CSP source and an attribute: at least 8 base64 or base64url characters. */
export function isNonce(nonce: string): boolean {
  return NONCE_RE.test(nonce);
}

export interface HeadOptions {
  nonce: string;
  /** The page's Content-Security-Policy, stated again in a <meta> tag. */
  csp: string;
  title: string;
  /** Stylesheet URLs in cascade order; each is loaded with the nonce. */
  styles: readonly string[];
  /** Further <meta> and <link> tags, as markup, placed right after the policy. */
  extra?: readonly string[];
}

/** The start of a page up to </head>: doctype, charset, CSP, viewport, colour scheme, title, stylesheets. */
export function renderHead(o: HeadOptions): string {
  const n = attr(o.nonce);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${attr(o.csp)}">`,
    ...(o.extra ?? []),
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${attr(o.title)}</title>`,
    ...o.styles.map((href) => `<link rel="stylesheet" nonce="${n}" href="${attr(href)}">`),
    '</head>',
  ].join('\n');
}

/** The Content-Security-Policy for a page rendered with this nonce. */
export function shellCsp(o: Pick<ShellOptions, 'nonce' | 'cspSource' | 'host'>): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    `style-src 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
    // The console talks to its own origin (fetch + EventSource); the webview only posts messages.
    `connect-src ${o.host === 'console' ? "'self'" : "'none'"}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Renders the page: CSP meta, the toolkit's csp-nonce meta, nonce'd styles and script. */
export function renderShell(o: ShellOptions): string {
  if (!isNonce(o.nonce)) throw new Error('renderShell: the nonce must be at least 8 base64 characters.');
  const sources = o.cspSource.trim().split(/\s+/);
  if (!sources.every((t) => SOURCE_RE.test(t))) throw new Error("renderShell: cspSource must list origins or 'self'.");
  const n = attr(o.nonce);
  const styles = [o.codiconUri, o.styleUri, ...(o.host === 'console' && o.consoleStyleUri ? [o.consoleStyleUri] : [])];
  const head = renderHead({
    nonce: o.nonce,
    csp: shellCsp(o),
    title: o.title ?? 'Kairos memories',
    styles,
    extra: [`<meta property="csp-nonce" content="${n}">`],
  });
  return `${head}
<body class="host-${o.host}" data-host="${o.host}"${o.accountPage ? ' data-account-page="1"' : ''}>
<div id="app" class="app"></div>
<script nonce="${n}" src="${attr(o.scriptUri)}"></script>
</body>
</html>
`;
}
