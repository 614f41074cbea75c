/**
 * BYOK keys at rest: AES-256-GCM under a master key. Every ciphertext carries the id of the
 * master key that sealed it, so `kairos keys rotate-master` can re-encrypt under a new one while
 * old ones are still readable. The row's owner is bound in as additional data: a ciphertext
 * copied to another row does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KairosError } from '../core/errors.js';

export interface MasterKey {
  id: string;
  key: Buffer;
}

/** The current master key first, then older ones still accepted for decryption. */
export interface MasterKeyRing {
  current: MasterKey;
  previous: readonly MasterKey[];
}

export function masterKeyFrom(base64: string, source: string): MasterKey {
  const key = Buffer.from(base64.trim(), 'base64');
  if (key.length !== 32) {
    throw new KairosError(
      'invalid_input',
      `${source} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`); it decodes to ${key.length} bytes.`,
    );
  }
  return { id: createHash('sha256').update(key).digest('hex').slice(0, 12), key };
}

export function masterKeyPath(home: string): string {
  return join(home, 'master.key');
}

/** Reads the embedded mode's key file (one base64 key per line, current first), creating it (mode 0600) when absent. */
export function loadOrCreateMasterKeyFile(home: string): MasterKeyRing {
  const path = masterKeyPath(home);
  try {
    writeFileSync(path, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  chmodSync(path, 0o600);
  const keys = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => masterKeyFrom(l, path));
  if (!keys[0]) throw new KairosError('invalid_input', `The master key file ${path} is empty. Restore it from your backup.`);
  return { current: keys[0], previous: keys.slice(1) };
}

/** Writes the key file atomically (mode 0600), current key first. */
export function writeMasterKeyFile(home: string, ring: MasterKeyRing): void {
  const path = masterKeyPath(home);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, [ring.current, ...ring.previous].map((k) => k.key.toString('base64')).join('\n') + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

/** KAIROS_MASTER_KEY (current) and KAIROS_MASTER_KEY_PREVIOUS (comma-separated, during rotation). */
export function masterKeyRingFromEnv(env: NodeJS.ProcessEnv): MasterKeyRing | undefined {
  if (!env.KAIROS_MASTER_KEY) return undefined;
  const previous = (env.KAIROS_MASTER_KEY_PREVIOUS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => masterKeyFrom(s, 'KAIROS_MASTER_KEY_PREVIOUS'));
  return { current: masterKeyFrom(env.KAIROS_MASTER_KEY, 'KAIROS_MASTER_KEY'), previous };
}

export interface Sealed {
  keyId: string;
  /** base64(iv ‖ tag ‖ ciphertext). */
  ciphertext: string;
}

export function seal(ring: MasterKeyRing, plaintext: string, aad: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { keyId: ring.current.id, ciphertext: Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64') };
}

export function open(ring: MasterKeyRing, sealed: Sealed, aad: string): string {
  const mk = [ring.current, ...ring.previous].find((k) => k.id === sealed.keyId);
  if (!mk) {
    throw new KairosError(
      'internal',
      `A stored key was sealed with master key ${sealed.keyId}, which this server does not have. Set KAIROS_MASTER_KEY_PREVIOUS.`,
    );
  }
  const raw = Buffer.from(sealed.ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', mk.key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch (e) {
    throw new KairosError('internal', 'A stored embedding key failed its integrity check; set it again.', { cause: e });
  }
}
