/**
 * `npm run module:sign -- --key <private key PEM> <manifest.json> <artifact>` prints the base64
 * signature to send as `signature` with `signingKeyId` when publishing (docs/module-format.md).
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createModuleSignature } from '@hotswap/modules';

function main(argv: string[]): number {
  const keyFlag = argv.indexOf('--key');
  const keyPath = keyFlag >= 0 ? argv[keyFlag + 1] : undefined;
  const rest = argv.filter((_, i) => keyFlag < 0 || (i !== keyFlag && i !== keyFlag + 1));
  const [manifestPath, artifactPath] = rest;
  if (keyPath === undefined || manifestPath === undefined || artifactPath === undefined) {
    console.error('usage: npm run module:sign -- --key <private-key.pem> <manifest.json> <artifact>');
    return 2;
  }
  const privateKey = createPrivateKey(readFileSync(keyPath));
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as unknown;
  process.stdout.write(`${createModuleSignature(privateKey, readFileSync(artifactPath), manifest)}\n`);
  return 0;
}

if (require.main === module) {
  try {
    process.exit(main(process.argv.slice(2)));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
