import { createHash, randomBytes } from 'node:crypto';

export const ENROLLMENT_TOKEN_PREFIX = 'hset_';
export const NODE_CREDENTIAL_PREFIX = 'hsnc_';

/** A new secret: the prefix says what it is (so scanners can find leaked ones), 256 random bits. */
export function newSecret(prefix: string): string {
  return `${prefix}${randomBytes(32).toString('base64url')}`;
}

/** Secrets are random and long, so a fast hash is enough to store them (no password stretching). */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
