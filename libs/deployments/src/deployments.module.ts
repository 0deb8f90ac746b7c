import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { ModulesModule } from '@hotswap/modules';
import { PolicyOnlyGate } from './adapters/policy-gate';
import { RegistryCatalog } from './adapters/registry-catalog';
import { DEPLOYMENT_CLOCK, SYSTEM_DEPLOYMENT_CLOCK } from './clock';
import { CreateDeploymentPipe } from './create-deployment.pipe';
import { DeploymentPlanner } from './deployment-planner';
import { DeploymentQueries } from './deployment-queries';
import { DeploymentRunner } from './deployment-runner';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsRepository } from './deployments.repository';
import { DeploymentsService } from './deployments.service';
import { ManualRollback } from './manual-rollback';
import { APPROVAL_GATE, MODULE_CATALOG } from './ports';
import { BlueGreenStrategy } from './strategies/blue-green.strategy';
import { CanaryStrategy } from './strategies/canary.strategy';
import { DirectStrategy } from './strategies/direct.strategy';
import { RollingStrategy } from './strategies/rolling.strategy';
import { DEPLOYMENT_STRATEGIES } from './strategies/strategy';
import { StrategyRegistry } from './strategy-registry';

export interface DeploymentsModuleOptions {
  /** Modules that provide NODE_FLEET, ENVIRONMENTS and DEPLOYMENT_SCHEDULER (and optionally APPROVAL_GATE). */
  readonly imports: ModuleMetadata['imports'];
  /** Overrides of the default ports (tests, the approvals feature). */
  readonly providers?: Provider[];
}

const STRATEGIES = [DirectStrategy, RollingStrategy, BlueGreenStrategy, CanaryStrategy];

/** The deployment engine: API, planner, runner and the four strategies as providers. */
@Module({})
export class DeploymentsModule {
  static forRoot(options: DeploymentsModuleOptions): DynamicModule {
    return {
      module: DeploymentsModule,
      imports: [ModulesModule, ...(options.imports ?? [])],
      controllers: [DeploymentsController],
      providers: [
        ...STRATEGIES,
        {
          provide: DEPLOYMENT_STRATEGIES,
          inject: STRATEGIES,
          useFactory: (...strategies: unknown[]) => strategies,
        },
        StrategyRegistry,
        DeploymentsRepository,
        DeploymentPlanner,
        DeploymentRunner,
        DeploymentsService,
        DeploymentQueries,
        ManualRollback,
        CreateDeploymentPipe,
        { provide: MODULE_CATALOG, useClass: RegistryCatalog },
        { provide: APPROVAL_GATE, useClass: PolicyOnlyGate },
        { provide: DEPLOYMENT_CLOCK, useValue: SYSTEM_DEPLOYMENT_CLOCK },
        ...(options.providers ?? []),
      ],
      exports: [DeploymentRunner, DeploymentsService],
    };
  }
}
