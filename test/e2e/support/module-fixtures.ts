import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '@hotswap/modules';
import { createHash } from 'node:crypto';

export const SAMPLES_DIR = path.join(__dirname, '..', '..', '..', 'samples', 'modules');

export interface Sample {
  readonly manifest: Record<string, unknown>;
  readonly manifestText: string;
  readonly artifact: Buffer;
}

export function sample(name: string, version: string): Sample {
  const dir = path.join(SAMPLES_DIR, name, version);
  const manifestText = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
  return {
    manifest: JSON.parse(manifestText) as Record<string, unknown>,
    manifestText,
    artifact: readFileSync(path.join(dir, 'index.js')),
  };
}

export type KeyKind = 'ed25519' | 'ec-p256' | 'rsa-pss' | 'rsa-pkcs1' | 'rsa-1024' | 'ec-p384';

export interface TestKey {
  readonly kind: KeyKind;
  readonly publicPem: string;
  readonly privateKey: KeyObject;
}

export function makeKey(kind: KeyKind): TestKey {
  const pair =
    kind === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : kind === 'ec-p256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : kind === 'ec-p384'
          ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
          : generateKeyPairSync('rsa', { modulusLength: kind === 'rsa-1024' ? 1024 : 2048 });
  return {
    kind,
    publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey: pair.privateKey,
  };
}

/** Signs as docs/module-format.md specifies (independently of the server's own helpers but canonicalJson). */
export function signModule(key: TestKey, artifact: Buffer, manifest: unknown): string {
  const digest = createHash('sha256').update(artifact).digest('hex');
  const payload = Buffer.from(`hotswap-module-v1\n${digest}\n${canonicalJson(manifest)}`, 'utf8');
  switch (key.kind) {
    case 'ed25519':
      return sign(null, payload, key.privateKey).toString('base64');
    case 'ec-p256':
    case 'ec-p384':
      return sign('sha256', payload, { key: key.privateKey, dsaEncoding: 'der' }).toString('base64');
    case 'rsa-pss':
      return sign('sha256', payload, { key: key.privateKey, padding: 6, saltLength: 32 }).toString('base64');
    case 'rsa-pkcs1':
    case 'rsa-1024':
      return sign('sha256', payload, key.privateKey).toString('base64');
  }
}
