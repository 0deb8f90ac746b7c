/**
 * `npm run module:keygen -- [--type ed25519|ecdsa|rsa] <out-prefix>` writes `<prefix>.key.pem`
 * (private, mode 0600) and `<prefix>.pub.pem` (register it with POST /api/v1/signing-keys).
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';

type KeyType = 'ed25519' | 'ecdsa' | 'rsa';

function generate(type: KeyType): { publicKey: KeyObject; privateKey: KeyObject } {
  switch (type) {
    case 'ed25519':
      return generateKeyPairSync('ed25519');
    case 'ecdsa':
      return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    case 'rsa':
      return generateKeyPairSync('rsa', { modulusLength: 3072 });
  }
}

function main(argv: string[]): number {
  const typeFlag = argv.indexOf('--type');
  const type = (typeFlag >= 0 ? argv[typeFlag + 1] : 'ed25519') as KeyType;
  const prefix = argv.filter((_, i) => typeFlag < 0 || (i !== typeFlag && i !== typeFlag + 1))[0];
  if (!['ed25519', 'ecdsa', 'rsa'].includes(type) || prefix === undefined) {
    console.error('usage: npm run module:keygen -- [--type ed25519|ecdsa|rsa] <out-prefix>');
    return 2;
  }
  const { publicKey, privateKey } = generate(type);
  writeFileSync(`${prefix}.key.pem`, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(`${prefix}.pub.pem`, publicKey.export({ type: 'spki', format: 'pem' }));
  console.log(
    `wrote ${prefix}.key.pem (keep it secret) and ${prefix}.pub.pem (register it as a signing key)`,
  );
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
