import { Global, Module } from '@nestjs/common';
import { MODULE_INVENTORY } from './module-inventory.port';
import { CoordinationModule } from '@hotswap/coordination';
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Test } from '@nestjs/testing';
import { AuditModule } from '@hotswap/audit';
import { ConfigModule, loadConfig } from '@hotswap/config';
import { DatabaseModule } from '@hotswap/database';
import { EventsModule } from '@hotswap/events';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../../apps/api/src/schema';
import { DEMO_KEY_FILE, DEMO_MODULES } from './demo-content';
import { ModuleRegistry } from './module-registry.service';
import { ModulesModule } from './modules.module';
import { signedPayload } from './signing';
import { SigningKeysService } from './signing-keys.service';

/** No fleet in this test: no node runs anything. */
@Global()
@Module({
  providers: [{ provide: MODULE_INVENTORY, useValue: { activeVersions: () => Promise.resolve([]) } }],
  exports: [MODULE_INVENTORY],
})
class NoFleetInventory {}

describe('demo content', () => {
  let database: TestDatabase;
  let dataDir: string;

  beforeAll(async () => {
    database = await createTestDatabase(SCHEMA);
    dataDir = await mkdtemp(path.join(tmpdir(), 'hotswap-demo-'));
  });

  afterAll(async () => {
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function boot() {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      DEMO_CONTENT: 'true',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(SCHEMA),
        EventsModule,
        CoordinationModule.forRoot(),
        AuditModule,
        NoFleetInventory,
        ModulesModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  it('publishes the signed samples once, with the private key kept under DATA_DIR only', async () => {
    const first = await boot();
    try {
      const registry = first.get(ModuleRegistry);
      const keys = first.get(SigningKeysService);
      for (const [name, version] of DEMO_MODULES) {
        const row = await registry.getVersion(name, version);
        expect(row.signature).not.toBeNull();
        const key = await keys.verify(
          row.signingKeyId ?? '',
          signedPayload(row.sha256, row.manifest),
          Buffer.from(row.signature ?? '', 'base64'),
        );
        expect(key.name).toBe('hotswap-demo');
      }
      expect((await registry.getVersion('inventory-service', '1.4.0')).manifest.dependencies).toEqual({
        'payment-processor': '^2.0.0',
      });
      expect(statSync(path.join(dataDir, DEMO_KEY_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      await first.close();
    }
    const second = await boot();
    try {
      expect(await second.get(SigningKeysService).list()).toHaveLength(1);
      expect(await second.get(ModuleRegistry).versions('payment-processor')).toHaveLength(2);
    } finally {
      await second.close();
    }
  });
});
