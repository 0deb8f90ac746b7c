import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { AuditModule } from '@hotswap/audit';
import { AuthModule } from '@hotswap/auth';
import { ClustersModule } from '@hotswap/clusters';
import { ConfigModule, type AppConfig } from '@hotswap/config';
import type { Clock } from '@hotswap/contracts';
import { CoordinationModule } from '@hotswap/coordination';
import { DatabaseModule } from '@hotswap/database';
import { DeploymentsModule } from '@hotswap/deployments';
import { EventsModule, EventStreamsModule } from '@hotswap/events';
import { ModulesModule } from '@hotswap/modules';
import { ObservabilityModule, type ObservabilityOptions } from '@hotswap/observability';
import { FleetInventoryModule } from './fleet-inventory.module';
import { SCHEMA } from './schema';

export interface AppModuleOptions extends ObservabilityOptions {
  readonly config: AppConfig;
  /** The time source; the system clock unless a test passes one it controls. */
  readonly clock?: Clock;
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
        ConfigModule.forRoot(options.config, options.clock),
        ObservabilityModule.forRoot({ logDestination: options.logDestination }),
        DatabaseModule.forRoot(SCHEMA),
        EventsModule,
        ModulesModule,
        AuditModule,
        AuthModule,
        CoordinationModule.forRoot(),
        ClustersModule,
        FleetInventoryModule,
        DeploymentsModule.forRoot(),
        EventStreamsModule.forRoot({ imports: [AuthModule] }),
        ...(options.imports ?? []),
      ],
    };
  }
}
