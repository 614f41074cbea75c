/**
 * The local bearer token: created once per KAIROS_HOME, reused across restarts. The CLI reads it
 * on every call to a running server, so this module does not load node:crypto (a large part of a
 * `kairos search`); the token's randomness comes from Web Crypto, only when one is created.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function tokenPath(home: string): string {
  return join(home, 'token');
}

/** Creates KAIROS_HOME (mode 0700) when missing. */
export function ensureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

/** Reads the token file, or creates it (32 random bytes, base64url, mode 0600) when absent. */
export function loadOrCreateToken(home: string): string {
  ensureHome(home);
  const path = tokenPath(home);
  try {
    // 'wx' makes creation atomic: two processes starting together end up with one token.
    if (!existsSync(path))
      writeFileSync(path, Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  chmodSync(path, 0o600);
  const token = readFileSync(path, 'utf8').trim();
  if (token.length < 16) throw new Error(`The token file ${path} is damaged. Delete it and start Kairos again.`);
  return token;
}

/** Reads the token without creating it; undefined when absent. */
export function readToken(home: string): string | undefined {
  try {
    return readFileSync(tokenPath(home), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
