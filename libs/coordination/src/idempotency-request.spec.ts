import fc from 'fast-check';
import {
  canonicalJson,
  idempotencyScope,
  isValidIdempotencyKey,
  requestFingerprint,
} from './idempotency-request';

function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, seed));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    const rotated = entries.map((_, i) => entries[(i + seed) % entries.length] as [string, unknown]);
    return Object.fromEntries(rotated.map(([k, v]) => [k, shuffleKeys(v, seed)]));
  }
  return value;
}

describe('requestFingerprint', () => {
  it('does not depend on the order of keys in the body', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(10), (body, seed) => {
        const a = requestFingerprint({ method: 'POST', url: '/api/v1/x', body });
        const b = requestFingerprint({ method: 'post', url: '/api/v1/x', body: shuffleKeys(body, seed) });
        expect(b).toBe(a);
      }),
    );
  });

  it('differs when the body, path or method differ', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) => {
        fc.pre(canonicalJson(x) !== canonicalJson(y));
        expect(requestFingerprint({ method: 'POST', url: '/a', body: x })).not.toBe(
          requestFingerprint({ method: 'POST', url: '/a', body: y }),
        );
      }),
    );
    const body = { name: 'n' };
    const base = requestFingerprint({ method: 'POST', url: '/a', body });
    expect(requestFingerprint({ method: 'PUT', url: '/a', body })).not.toBe(base);
    expect(requestFingerprint({ method: 'POST', url: '/b', body })).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('isValidIdempotencyKey', () => {
  it.each(['a', 'a'.repeat(255), '550e8400-e29b-41d4-a716-446655440000', 'order:42/retry#1'])(
    'accepts %j',
    (key) => {
      expect(isValidIdempotencyKey(key)).toBe(true);
    },
  );

  it.each(['', 'a'.repeat(256), 'has space', 'tab\there', 'ünïcode', 'line\nbreak'])('refuses %j', (key) => {
    expect(isValidIdempotencyKey(key)).toBe(false);
  });
});

describe('idempotencyScope', () => {
  it('scopes to the user when authenticated, else to the client address', () => {
    expect(idempotencyScope('u-1', '10.0.0.1')).toBe('user:u-1');
    expect(idempotencyScope(undefined, '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(idempotencyScope('', '10.0.0.1')).toBe('ip:10.0.0.1');
    expect(idempotencyScope(undefined, undefined)).toBe('ip:unknown');
  });

  it('never lets a user id and an address share a scope', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string(), (id, ip) => {
        expect(idempotencyScope(id, undefined)).not.toBe(idempotencyScope(undefined, ip));
      }),
    );
  });
});
