/**
 * The web console: the HTML shell (with a per-response CSP nonce) and its static assets from the
 * built webview bundle. Asset paths are confined to the bundle folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { simplePage } from '../ui/page.js';
import { renderShell, shellCsp, webviewAssetNames } from '../ui/shell.js';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * The console's Content-Security-Policy header: the same policy as the page's meta tag (one
 * source of truth in src/ui/shell.ts) plus what only a header can say.
 */
export function consoleCsp(nonce: string): string {
  return `${shellCsp({ nonce, cspSource: "'self'", host: 'console' })}; frame-ancestors 'none'`;
}

/** Locates media/webview/ from the source tree or the dist bundle; undefined when not built. */
export function findWebviewDir(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../media/webview', '../../media/webview']) {
    const dir = resolve(here, rel);
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

/** Renders the console page around the built UI, or a "not built" page when it is missing. */
export function renderConsoleShell(webviewDir: string | undefined, nonce: string, opts: { accountPage?: boolean } = {}): string {
  if (webviewDir && existsSync(join(webviewDir, webviewAssetNames.script))) {
    const asset = (name: string): string => `/assets/${name}`;
    return renderShell({
      nonce,
      scriptUri: asset(webviewAssetNames.script),
      styleUri: asset(webviewAssetNames.style),
      codiconUri: asset(webviewAssetNames.codicons),
      consoleStyleUri: asset(webviewAssetNames.consoleStyle),
      cspSource: "'self'",
      host: 'console',
      title: 'Kairos',
      ...(opts.accountPage ? { accountPage: true } : {}),
    });
  }
  return simplePage(
    'Kairos console',
    '<p>The console UI is not built. Run <code>npm run build</code> and reload this page.</p><p>The REST API and the MCP endpoint work without it.</p>',
    nonce,
  );
}

/**
 * Resolves an asset path under `root`; undefined for anything that escapes it (.., encoded
 * separators, NUL) or is not a regular file.
 */
export async function resolveAsset(root: string, requested: string): Promise<{ path: string; type: string } | undefined> {
  let rel: string;
  try {
    rel = decodeURIComponent(requested);
  } catch {
    return undefined;
  }
  if (!rel || rel.includes('\0') || rel.includes('\\') || rel.split('/').some((seg) => seg === '..' || seg === '.')) return undefined;
  const base = resolve(root);
  const full = resolve(base, '.' + (rel.startsWith('/') ? rel : '/' + rel));
  if (!full.startsWith(base + sep)) return undefined;
  try {
    if (!(await stat(full)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  return { path: full, type: CONTENT_TYPES[extname(full).toLowerCase()] ?? 'application/octet-stream' };
}
