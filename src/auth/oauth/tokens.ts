/**
 * Access tokens of Kairos's own authorization server: short-lived JWTs (HS256) bound to one
 * resource (`aud` = the /mcp URL) and one grant (`gid`), so revoking the grant ends them at once.
 * The signing key is derived from the master key (HKDF), so every instance of a deployment
 * verifies every other's tokens without another secret to distribute; older master keys still
 * verify during a rotation.
 */
import { hkdfSync, randomUUID } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import type { MasterKeyRing } from '../../identity/byok.js';

export interface AccessClaims {
  uid: string;
  grantId: string;
  clientId: string;
  scopes: string[];
  resource: string;
}

function signingKey(master: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', master, Buffer.alloc(0), 'kairos oauth access token v1', 32));
}

export class AccessTokens {
  constructor(
    private readonly ring: MasterKeyRing,
    /** The deployment's base URL; a function because it is known only once the server listens. */
    private readonly issuerUrl: () => string,
    readonly ttlSeconds: number,
  ) {}

  get issuer(): string {
    return this.issuerUrl();
  }

  async issue(c: AccessClaims, now: Date): Promise<string> {
    const iat = Math.floor(now.getTime() / 1000);
    return new SignJWT({ scope: c.scopes.join(' '), gid: c.grantId, client_id: c.clientId })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: this.ring.current.id })
      .setIssuer(this.issuer)
      .setSubject(c.uid)
      .setAudience(c.resource)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .setJti(randomUUID())
      .sign(signingKey(this.ring.current.key));
  }

  /** True when the token claims to come from this server (whether or not it verifies). */
  isOurs(iss: string | undefined): boolean {
    return iss === this.issuer;
  }

  /**
   * The claims of a valid token for `resource`, or undefined: bad signature, expired (no
   * leeway: these tokens are short on purpose), another audience, or a non-access-token JWT.
   */
  async verify(token: string, resource: string, now: Date): Promise<AccessClaims | undefined> {
    try {
      const { kid } = decodeProtectedHeader(token);
      const mk = [this.ring.current, ...this.ring.previous].find((k) => k.id === kid);
      if (!mk) return undefined;
      const { payload } = await jwtVerify(token, signingKey(mk.key), {
        issuer: this.issuer,
        audience: resource,
        algorithms: ['HS256'],
        typ: 'at+jwt',
        currentDate: now,
        requiredClaims: ['exp', 'sub', 'gid'],
      });
      return {
        uid: payload.sub!,
        grantId: String(payload.gid),
        clientId: String(payload.client_id),
        scopes: String(payload.scope ?? '')
          .split(' ')
          .filter(Boolean),
        resource,
      };
    } catch {
      return undefined;
    }
  }
}
