import { constants, createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/** The domain-separation header of a module signature (format version 1). */
export const SIGNATURE_HEADER = 'hotswap-module-v1';

export type SigningAlgorithm = 'Ed25519' | 'ECDSA-P256-SHA256' | 'RSA-SHA256';

/** JSON with object keys sorted recursively and no whitespace: the form a signature covers. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The exact bytes a module signature is made over. */
export function signedPayload(artifactSha256: string, manifest: unknown): Buffer {
  return Buffer.from(
    `${SIGNATURE_HEADER}\n${artifactSha256.toLowerCase()}\n${canonicalJson(manifest)}`,
    'utf8',
  );
}

export interface ParsedPublicKey {
  readonly key: KeyObject;
  readonly algorithm: SigningAlgorithm;
  /** `SHA256:` + base64 of the sha256 of the DER SubjectPublicKeyInfo. */
  readonly fingerprint: string;
  /** The key re-exported as PEM SPKI (normalised). */
  readonly pem: string;
}

export class KeyRejectedError extends Error {}

const MIN_RSA_BITS = 2048;

/** Parses a PEM SPKI public key and decides its algorithm; weak or unsupported keys are refused. */
export function parsePublicKey(pem: string): ParsedPublicKey {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new KeyRejectedError('publicKey is not a PEM-encoded SubjectPublicKeyInfo public key');
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  let algorithm: SigningAlgorithm;
  if (type === 'ed25519') {
    algorithm = 'Ed25519';
  } else if (type === 'ec') {
    if (details.namedCurve !== 'prime256v1') {
      throw new KeyRejectedError(
        `ECDSA keys must use P-256, not ${details.namedCurve ?? 'an unknown curve'}`,
      );
    }
    algorithm = 'ECDSA-P256-SHA256';
  } else if (type === 'rsa' || type === 'rsa-pss') {
    const bits = details.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new KeyRejectedError(`RSA keys must have at least ${MIN_RSA_BITS} bits, not ${bits}`);
    algorithm = 'RSA-SHA256';
  } else {
    throw new KeyRejectedError(
      `unsupported key type ${type ?? 'unknown'}: use Ed25519, ECDSA P-256 or RSA ≥ 2048 bits`,
    );
  }
  const der = key.export({ type: 'spki', format: 'der' });
  return {
    key,
    algorithm,
    fingerprint: `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`,
    pem: key.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/**
 * Verifies a detached signature over {@link signedPayload}. RSA keys accept RSA-PSS (SHA-256, salt
 * length 32) or PKCS#1 v1.5 with SHA-256; ECDSA signatures are DER-encoded.
 */
export function verifySignature(key: ParsedPublicKey, payload: Buffer, signature: Buffer): boolean {
  try {
    switch (key.algorithm) {
      case 'Ed25519':
        return verify(null, payload, key.key, signature);
      case 'ECDSA-P256-SHA256':
        return verify('sha256', payload, { key: key.key, dsaEncoding: 'der' }, signature);
      case 'RSA-SHA256':
        return (
          verify(
            'sha256',
            payload,
            { key: key.key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            signature,
          ) ||
          (key.key.asymmetricKeyType === 'rsa' && verify('sha256', payload, key.key, signature))
        );
    }
  } catch {
    return false;
  }
}

/**
 * Makes a module signature with a private key: Ed25519, ECDSA P-256 (DER) or RSA-PSS (SHA-256, salt
 * length 32) — the forms {@link verifySignature} accepts. Used by `npm run module:sign` and the demo.
 */
export function createModuleSignature(
  privateKey: KeyObject,
  artifact: Uint8Array,
  manifest: unknown,
): string {
  const payload = signedPayload(sha256Hex(artifact), manifest);
  switch (privateKey.asymmetricKeyType) {
    case 'ed25519':
      return sign(null, payload, privateKey).toString('base64');
    case 'ec':
      return sign('sha256', payload, { key: privateKey, dsaEncoding: 'der' }).toString('base64');
    case 'rsa':
    case 'rsa-pss':
      return sign('sha256', payload, {
        key: privateKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      }).toString('base64');
    case 'dsa':
    case 'ed448':
    case 'x25519':
    case 'x448':
    case undefined:
      throw new KeyRejectedError(`cannot sign with a ${privateKey.asymmetricKeyType ?? 'symmetric'} key`);
  }
}
