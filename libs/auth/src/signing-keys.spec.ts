import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@hotswap/config';
import { resolveJwtSecret, SigningKeys } from './signing-keys';

const secret = randomBytes(48).toString('base64url');
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const token = (header: Record<string, unknown>) => `${b64(header)}.${b64({ sub: 'x' })}.sig`;

describe('SigningKeys', () => {
  const keys = new SigningKeys({ secret });
  const kid = keys.signing.kid;

  it('signs with HS256 and a kid that does not reveal the secret', () => {
    expect(keys.signing.alg).toBe('HS256');
    expect(kid).toMatch(/^hs-/);
    expect(kid).not.toContain(secret.slice(0, 8));
    expect(keys.signing.key.type).toBe('secret');
  });

  it('finds the key of a token only when kid, alg and typ all fit', () => {
    expect(keys.keyFor(token({ alg: 'HS256', typ: 'at+jwt', kid }))?.kid).toBe(kid);
    for (const header of [
      { alg: 'none', typ: 'at+jwt', kid },
      { alg: 'HS512', typ: 'at+jwt', kid },
      { alg: 'ES256', typ: 'at+jwt', kid },
      { alg: 'HS256', typ: 'at+jwt', kid: 'other' },
      { alg: 'HS256', typ: 'JWT', kid },
      { alg: 'HS256', typ: 'at+jwt' },
    ]) {
      expect(keys.keyFor(token(header))).toBeUndefined();
    }
    expect(keys.keyFor('%%%.x.y')).toBeUndefined();
  });

  it('keeps the previous secret for verification after a rotation, signing with the new one', () => {
    const next = randomBytes(48).toString('base64url');
    const rotated = new SigningKeys({ secret: next, previousSecret: secret });
    expect(rotated.signing.kid).not.toBe(kid);
    expect(rotated.keyFor(token({ alg: 'HS256', typ: 'at+jwt', kid }))?.kid).toBe(kid);
  });

  it('signs with an ES256 key when one is configured and publishes only public keys', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const previous = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const es = new SigningKeys({
      secret,
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      previousPublicKeyPem: previous.export({ format: 'pem', type: 'spki' }).toString(),
    });
    expect(es.signing.alg).toBe('ES256');
    expect(es.algorithms).toEqual(['HS256', 'ES256']);
    const jwks = es.jwks();
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) expect(key).not.toHaveProperty('d');
    // The EC kid with an HS alg is refused (key confusion).
    expect(es.keyFor(token({ alg: 'HS256', typ: 'at+jwt', kid: es.signing.kid }))).toBeUndefined();
  });

  it('refuses an asymmetric key that is not P-256', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    expect(
      () =>
        new SigningKeys({
          secret,
          privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        }),
    ).toThrow(/P-256/);
  });

  it('uses KeyObjects, never strings', () => {
    expect(typeof keys.signing.signWith).toBe('object');
    expect(createHmac('sha256', keys.signing.signWith).update('x').digest('hex')).toHaveLength(64);
  });
});

describe('resolveJwtSecret', () => {
  it('uses JWT_SECRET when set', () => {
    expect(resolveJwtSecret(loadConfig({ JWT_SECRET: secret }))).toEqual({ secret, source: 'config' });
  });

  it('generates one in memory for DATA_DIR=:memory:', () => {
    const a = resolveJwtSecret(loadConfig({ DATA_DIR: ':memory:' }));
    expect(a.source).toBe('memory');
    expect(Buffer.from(a.secret, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(resolveJwtSecret(loadConfig({ DATA_DIR: ':memory:' })).secret).not.toBe(a.secret);
  });

  it('generates one under DATA_DIR once (mode 0600) and reuses it on restart', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hotswap-secret-'));
    const first = resolveJwtSecret(loadConfig({ DATA_DIR: dir }));
    expect(first.source).toBe('generated-file');
    expect(statSync(path.join(dir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    const second = resolveJwtSecret(loadConfig({ DATA_DIR: dir }));
    expect(second).toEqual({ secret: first.secret, source: 'existing-file' });
    expect(readFileSync(path.join(dir, 'jwt-secret'), 'utf8')).toBe(first.secret);
  });
});
