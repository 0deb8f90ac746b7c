import { createHash } from 'node:crypto';

/** Thrown for a resource name that cannot name a lock, election or queue (empty or blank). */
export class InvalidResourceNameError extends Error {
  constructor(what: string) {
    super(`${what} must be a non-empty name`);
    this.name = 'InvalidResourceNameError';
  }
}

/** Refuses empty and blank names, which would silently make unrelated callers share one lock. */
export function assertResourceName(resource: string, what = 'A lock resource'): void {
  if (typeof resource !== 'string' || resource.trim().length === 0) throw new InvalidResourceNameError(what);
}

/**
 * The advisory-lock key of a resource: the first 64 bits of sha256(resource) read as a signed
 * big-endian integer, which is the range PostgreSQL's `bigint` lock keys take. Two names share a key
 * only on a 64-bit hash collision.
 */
export function lockKey(resource: string): bigint {
  assertResourceName(resource);
  return createHash('sha256').update(resource, 'utf8').digest().readBigInt64BE(0);
}
