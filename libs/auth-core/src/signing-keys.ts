import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

export type JwtAlgorithm = 'HS256' | 'ES256';

/** A key that verifies tokens with one fixed algorithm. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly key: KeyObject;
}

interface SigningKey extends VerificationKey {
  /** The secret or private key that signs (for HS256 the same KeyObject). */
  readonly signWith: KeyObject;
}

export interface PublicJwk extends JsonWebKey {
  readonly kid: string;
  readonly alg: JwtAlgorithm;
  readonly use: 'sig';
}

/** Key ids say nothing about the key: a truncated hash with a domain prefix. */
function secretKid(secret: string): string {
  return `hs-${createHash('sha256').update(`hotswap-kid:${secret}`).digest('base64url').slice(0, 16)}`;
}

/** RFC 7638 thumbprint of an EC public key. */
function ecKid(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return `es-${createHash('sha256').update(canonical).digest('base64url').slice(0, 16)}`;
}

function assertP256(key: KeyObject, setting: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error(`${setting} must be an EC P-256 key (ES256)`);
  }
}

/**
 * The keys of this process: one that signs, and every key that still verifies (the current ones and
 * those before the last rotation), each bound to its algorithm. The algorithm of a token is never
 * taken from the token: a token whose header names another algorithm than its key's is refused.
 */
export class SigningKeys {
  private readonly byKid = new Map<string, VerificationKey>();
  readonly signing: SigningKey;
  readonly algorithms: readonly JwtAlgorithm[];

  constructor(settings: {
    secret: string;
    previousSecret?: string;
    privateKeyPem?: string;
    previousPublicKeyPem?: string;
  }) {
    const hs = createSecretKey(Buffer.from(settings.secret, 'utf8'));
    const current: SigningKey = { kid: secretKid(settings.secret), alg: 'HS256', key: hs, signWith: hs };
    this.add(current);
    if (settings.previousSecret !== undefined) {
      this.add({
        kid: secretKid(settings.previousSecret),
        alg: 'HS256',
        key: createSecretKey(Buffer.from(settings.previousSecret, 'utf8')),
      });
    }
    let signing = current;
    if (settings.privateKeyPem !== undefined) {
      const privateKey = createPrivateKey(settings.privateKeyPem);
      assertP256(privateKey, 'JWT_PRIVATE_KEY');
      const publicKey = createPublicKey(privateKey);
      signing = { kid: ecKid(publicKey), alg: 'ES256', key: publicKey, signWith: privateKey };
      this.add(signing);
    }
    if (settings.previousPublicKeyPem !== undefined) {
      const publicKey = createPublicKey(settings.previousPublicKeyPem);
      assertP256(publicKey, 'JWT_PREVIOUS_PUBLIC_KEY');
      this.add({ kid: ecKid(publicKey), alg: 'ES256', key: publicKey });
    }
    this.signing = signing;
    this.algorithms = [...new Set([...this.byKid.values()].map((k) => k.alg))];
  }

  private add(key: VerificationKey): void {
    this.byKid.set(key.kid, key);
  }

  /**
   * The key that must verify `rawToken`, from its `kid`, if the header's `alg` is that key's
   * algorithm. Undefined for anything else (no kid, unknown kid, `none`, another algorithm).
   */
  keyFor(rawToken: string): VerificationKey | undefined {
    const headerPart = rawToken.split('.')[0];
    if (headerPart === undefined || headerPart.length > 1024) return undefined;
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (typeof header !== 'object' || header === null) return undefined;
    const { kid, alg, typ } = header as { kid?: unknown; alg?: unknown; typ?: unknown };
    if (typeof kid !== 'string' || typeof alg !== 'string' || typ !== ACCESS_TOKEN_TYPE) return undefined;
    const key = this.byKid.get(kid);
    return key !== undefined && key.alg === alg ? key : undefined;
  }

  /** The public keys, as a JWKS (`/.well-known/jwks.json`); HS256 secrets are never published. */
  jwks(): { keys: PublicJwk[] } {
    const keys: PublicJwk[] = [];
    for (const key of this.byKid.values()) {
      if (key.alg !== 'ES256') continue;
      keys.push({ ...key.key.export({ format: 'jwk' }), kid: key.kid, alg: key.alg, use: 'sig' });
    }
    return { keys };
  }
}

/** The `typ` header of access tokens (RFC 9068), so no other JWT is accepted as one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
