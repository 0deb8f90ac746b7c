import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { assertResourceName, InvalidResourceNameError, lockKey } from './lock-key';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

describe('lockKey', () => {
  it('is the first 64 bits of sha256(resource) as a signed big-endian integer', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
        (resource) => {
          const digest = createHash('sha256').update(resource, 'utf8').digest('hex').slice(0, 16);
          expect(lockKey(resource)).toBe(BigInt.asIntN(64, BigInt(`0x${digest}`)));
        },
      ),
    );
  });

  it('always fits PostgreSQL’s bigint and is stable', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, unit: 'grapheme' }).filter((s) => s.trim() !== ''),
        (resource) => {
          const key = lockKey(resource);
          expect(key >= INT64_MIN && key <= INT64_MAX).toBe(true);
          expect(lockKey(resource)).toBe(key);
        },
      ),
    );
  });

  it('gives distinct names distinct keys (no collisions among many names)', () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `deployment:${i}`);
    expect(new Set(names.map(lockKey)).size).toBe(names.length);
  });

  it('matches a known value (negative keys included)', () => {
    // sha256("deployments") = 0x9f7a…: the top bit is set, so the key is negative.
    const hex = createHash('sha256').update('deployments').digest('hex').slice(0, 16);
    expect(lockKey('deployments')).toBe(BigInt.asIntN(64, BigInt(`0x${hex}`)));
  });

  it.each(['', ' ', '\t\n'])('refuses the empty or blank name %j', (name) => {
    expect(() => lockKey(name)).toThrow(InvalidResourceNameError);
    expect(() => assertResourceName(name)).toThrow('must be a non-empty name');
  });
});
