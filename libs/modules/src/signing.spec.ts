import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import {
  canonicalJson,
  createModuleSignature,
  KeyRejectedError,
  parsePublicKey,
  sha256Hex,
  signedPayload,
  verifySignature,
} from './signing';

describe('canonicalJson', () => {
  it('sorts keys recursively, keeps array order and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x y' } })).toBe(
      '{"a":{"c":"x y","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('is independent of key insertion order and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const reversed = Object.fromEntries(Object.entries(value).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('signedPayload', () => {
  it('is the header, the lowercase digest and the canonical manifest on three lines', () => {
    expect(signedPayload('ABCDEF', { version: '1.0.0', a: true }).toString('utf8')).toBe(
      'hotswap-module-v1\nabcdef\n{"a":true,"version":"1.0.0"}',
    );
  });
});

describe('parsePublicKey', () => {
  const pem = (publicKey: { export: (o: { type: 'spki'; format: 'pem' }) => string | Buffer }) =>
    publicKey.export({ type: 'spki', format: 'pem' }).toString();

  it.each([
    ['Ed25519', () => generateKeyPairSync('ed25519').publicKey],
    ['ECDSA-P256-SHA256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey],
    ['RSA-SHA256', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey],
  ] as const)('recognises %s keys and fingerprints them', (algorithm, make) => {
    const parsed = parsePublicKey(pem(make()));
    expect(parsed.algorithm).toBe(algorithm);
    expect(parsed.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it.each([
    ['RSA-1024', () => generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey, /2048/],
    ['P-384', () => generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey, /P-256/],
    ['X25519', () => generateKeyPairSync('x25519').publicKey, /unsupported key type x25519/],
  ] as const)('refuses %s keys', (_label, make, message) => {
    expect(() => parsePublicKey(pem(make()))).toThrow(KeyRejectedError);
    expect(() => parsePublicKey(pem(make()))).toThrow(message);
  });

  it('refuses text that is not a public key PEM', () => {
    expect(() => parsePublicKey('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----')).toThrow(
      KeyRejectedError,
    );
  });
});

describe('signatures', () => {
  const artifact = Buffer.from('module.exports = {};');
  const manifest = { version: '1.2.3', dependencies: { b: '^1.0.0', a: '~2.0.0' } };

  it.each([
    ['ed25519', () => generateKeyPairSync('ed25519')],
    ['ecdsa', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' })],
    ['rsa', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ] as const)(
    'a %s signature made by createModuleSignature verifies; any change breaks it',
    (_kind, make) => {
      const { publicKey, privateKey } = make();
      const key = parsePublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
      const signature = Buffer.from(createModuleSignature(privateKey, artifact, manifest), 'base64');
      const payload = signedPayload(sha256Hex(artifact), manifest);
      expect(verifySignature(key, payload, signature)).toBe(true);
      expect(verifySignature(key, signedPayload(sha256Hex(Buffer.from('other')), manifest), signature)).toBe(
        false,
      );
      expect(
        verifySignature(
          key,
          signedPayload(sha256Hex(artifact), { ...manifest, version: '1.2.4' }),
          signature,
        ),
      ).toBe(false);
      const flipped = Buffer.from(signature);
      flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 0xff;
      expect(verifySignature(key, payload, flipped)).toBe(false);
    },
  );

  it('accepts RSA PKCS#1 v1.5 signatures as well as PSS', () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = parsePublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const payload = signedPayload(sha256Hex(artifact), manifest);
    expect(verifySignature(key, payload, sign('sha256', payload, privateKey))).toBe(true);
  });

  it('does not accept a signature from another key of the same type', () => {
    const a = generateKeyPairSync('ed25519');
    const b = generateKeyPairSync('ed25519');
    const key = parsePublicKey(a.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const signature = Buffer.from(createModuleSignature(b.privateKey, artifact, manifest), 'base64');
    expect(verifySignature(key, signedPayload(sha256Hex(artifact), manifest), signature)).toBe(false);
  });

  it('answers false, not an exception, for garbage signatures', () => {
    const key = parsePublicKey(
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        .publicKey.export({ type: 'spki', format: 'pem' })
        .toString(),
    );
    expect(verifySignature(key, Buffer.from('x'), Buffer.from('not der'))).toBe(false);
  });
});
