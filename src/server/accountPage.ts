/**
 * The Account page of a shared (service-mode) Kairos: the HTML document that loads the built
 * account bundle (media/webview/account.js + account.css) with the console palette and codicons.
 * Pure: the caller passes a fresh nonce per response and sends accountPageCsp(nonce) as a header.
 */
import { attr, isNonce, renderHead } from '../ui/shell.js';

/** File names of the page's assets in media/webview/, served under /assets/. */
export const accountAssetNames = {
  script: 'account.js',
  style: 'account.css',
  consoleStyle: 'console.css',
  codicons: 'codicon.css',
} as const;

export interface AccountPageOptions {
  /** Fresh per response; at least 8 base64 or base64url characters. */
  nonce: string;
  /** The tab's title; default "Kairos account". */
  title?: string;
}

function checkNonce(nonce: string): void {
  if (!isNonce(nonce)) throw new Error('renderAccountPage: the nonce must be at least 8 base64 characters.');
}

/** The policy of the page's <meta> tag: scripts by nonce only; styles, fonts and fetches from this origin. */
function metaCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "font-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
  ].join('; ');
}

/** The Content-Security-Policy header: the meta policy plus what only a header can say. */
export function accountPageCsp(nonce: string): string {
  checkNonce(nonce);
  return `${metaCsp(nonce)}; frame-ancestors 'none'`;
}

export function renderAccountPage(opts: AccountPageOptions): string {
  checkNonce(opts.nonce);
  const n = attr(opts.nonce);
  const asset = (name: string): string => `/assets/${name}`;
  const head = renderHead({
    nonce: opts.nonce,
    csp: metaCsp(opts.nonce),
    title: opts.title ?? 'Kairos account',
    styles: [accountAssetNames.consoleStyle, accountAssetNames.codicons, accountAssetNames.style].map(asset),
    // No referrer leaves the page; an empty data: icon saves a favicon request that would 404.
    extra: ['<meta name="referrer" content="no-referrer">', '<link rel="icon" href="data:,">'],
  });
  return `${head}
<body class="account-page">
<div id="account" class="account" aria-busy="true"></div>
<noscript><p class="noscript">The Account page needs JavaScript. Your memories are still reachable from your editor, the CLI and MCP clients.</p></noscript>
<script nonce="${n}" src="${asset(accountAssetNames.script)}"></script>
</body>
</html>
`;
}
