import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { ConfigModule, type AppConfig } from '@hotswap/config';
import { CoordinationModule } from '@hotswap/coordination';
import { DatabaseModule } from '@hotswap/database';
import { ObservabilityModule, type ObservabilityOptions } from '@hotswap/observability';
import { SCHEMA } from './schema';

export interface AppModuleOptions extends ObservabilityOptions {
  readonly config: AppConfig;
  /** Extra modules (test fixtures) composed into the application. */
  readonly imports?: ModuleMetadata['imports'];
}

/** The composition root: platform modules first, then the feature modules. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(options.config),
        ObservabilityModule.forRoot({ logDestination: options.logDestination }),
        DatabaseModule.forRoot(SCHEMA),
        CoordinationModule.forRoot(),
        ...(options.imports ?? []),
      ],
    };
  }
}
