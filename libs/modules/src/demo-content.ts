import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig, MEMORY_DATA_DIR } from '@hotswap/config';
import { SYSTEM_PRINCIPAL } from '@hotswap/contracts';
import { ModuleRegistry } from './module-registry.service';
import { createModuleSignature } from './signing';
import { SigningKeysService } from './signing-keys.service';

export const DEMO_KEY_NAME = 'hotswap-demo';
export const DEMO_KEY_FILE = 'demo-signing-key.pem';

/** The sample modules published on first start, in dependency order. */
export const DEMO_MODULES: readonly (readonly [string, string])[] = [
  ['payment-processor', '2.0.0'],
  ['payment-processor', '2.1.0'],
  ['inventory-service', '1.4.0'],
];

/** Finds `samples/modules` from the source tree or from the compiled `dist/` tree. */
export function findSamplesDir(from = __dirname): string | undefined {
  let dir = from;
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'samples', 'modules');
    if (existsSync(candidate) && readdirSync(candidate).length > 0) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

/**
 * On the first start of a demo installation (embedded database, not production, or DEMO_CONTENT=true)
 * with an empty registry: generate a signing key (private key kept under DATA_DIR, never in the
 * repository), trust its public key, and publish the signed sample modules, so the README's example
 * deployment works out of the box.
 */
@Injectable()
export class DemoContentSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoContent');

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(ModuleRegistry) private readonly registry: ModuleRegistry,
    @Inject(SigningKeysService) private readonly signingKeys: SigningKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.demoContent) return;
    if (
      (await this.signingKeys.list()).length > 0 ||
      (await this.registry.listModules(undefined, 1)).length > 0
    )
      return;
    const samples = findSamplesDir();
    if (samples === undefined) {
      this.logger.warn('demo content requested but samples/modules was not found');
      return;
    }
    const privateKey = await this.demoKey();
    const publicPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const key = await this.signingKeys.register(DEMO_KEY_NAME, publicPem, SYSTEM_PRINCIPAL);
    for (const [name, version] of DEMO_MODULES) {
      const dir = path.join(samples, name, version);
      const manifestText = readFileSync(path.join(dir, 'manifest.json'), 'utf8');
      const artifact = readFileSync(path.join(dir, 'index.js'));
      const signature = createModuleSignature(privateKey, artifact, JSON.parse(manifestText) as unknown);
      await this.registry.publish(
        name,
        { manifestText, artifact, signature, signingKeyId: key.id },
        SYSTEM_PRINCIPAL,
      );
    }
    this.logger.log({
      msg: 'demo content published',
      signingKey: key.name,
      modules: DEMO_MODULES.map(([n, v]) => `${n}@${v}`),
    });
  }

  /** The demo private key: kept in DATA_DIR (0600) so it can sign more samples later. */
  private async demoKey(): Promise<KeyObject> {
    const { privateKey } = generateKeyPairSync('ed25519');
    if (this.config.dataDir === MEMORY_DATA_DIR) return privateKey;
    await mkdir(this.config.dataDir, { recursive: true });
    const file = path.join(this.config.dataDir, DEMO_KEY_FILE);
    if (existsSync(file)) return createPrivateKey(readFileSync(file));
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    return privateKey;
  }
}
