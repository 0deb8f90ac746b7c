import { Module } from '@nestjs/common';
import { MulterModule } from '@nestjs/platform-express';
import { AppConfig } from '@hotswap/config';
import { DemoContentSeeder } from './demo-content';
import { ModuleRegistry } from './module-registry.service';
import { ModulesController } from './modules.controller';
import { ModulesRepository } from './modules.repository';
import { SigningKeysController } from './signing-keys.controller';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';

@Module({
  imports: [
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        // No `dest` and no storage: multer keeps the upload in memory; the limit bounds it.
        limits: { fileSize: config.moduleMaxBytes, files: 1, fields: 8, fieldSize: 128 * 1024, parts: 12 },
      }),
    }),
  ],
  controllers: [ModulesController, SigningKeysController],
  providers: [
    ModulesRepository,
    SigningKeysRepository,
    SigningKeysService,
    ModuleRegistry,
    DemoContentSeeder,
  ],
  exports: [ModuleRegistry, SigningKeysService],
})
export class ModulesModule {}
