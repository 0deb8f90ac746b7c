import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { approvalGateWiring, ApprovalsModule } from '@hotswap/approvals';
import { AuditModule } from '@hotswap/audit';
import { AuthModule } from '@hotswap/auth';
import { ClustersModule } from '@hotswap/clusters';
import { ConfigModule, type AppConfig } from '@hotswap/config';
import type { Clock } from '@hotswap/contracts';
import { CoordinationModule } from '@hotswap/coordination';
import { DatabaseModule } from '@hotswap/database';
import { DEPLOYMENT_IMPACT, DeploymentsModule } from '@hotswap/deployments';
import { EventsModule, EventStreamsModule } from '@hotswap/events';
import { ImpactService, KnowledgeGraphModule } from '@hotswap/knowledge-graph';
import { ModulesModule } from '@hotswap/modules';
import { ObservabilityModule, type ObservabilityOptions } from '@hotswap/observability';
import { FleetInventoryModule } from './fleet-inventory.module';
import { NodeCredentialsModule } from './node-credentials.module';
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
    // One instance, imported by the approvals feature too (its scheduler and service).
    const gate = approvalGateWiring();
    const deployments = DeploymentsModule.forRoot({
      imports: [...gate.imports, KnowledgeGraphModule],
      providers: [...gate.providers, { provide: DEPLOYMENT_IMPACT, useExisting: ImpactService }],
    });
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
        NodeCredentialsModule,
        KnowledgeGraphModule,
        deployments,
        ApprovalsModule.forRoot({ deployments }),
        EventStreamsModule.forRoot({ imports: [AuthModule] }),
        ...(options.imports ?? []),
      ],
    };
  }
}
