import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { ClustersModule } from '@hotswap/clusters';
import { ModulesModule } from '@hotswap/modules';
import { AbandonedRunWatcher } from './adapters/abandoned-run-watcher';
import { FleetAdapter } from './adapters/fleet-adapter';
import { DeploymentWorker, QueueDeploymentScheduler } from './adapters/queue-scheduler';
import { PolicyOnlyGate } from './adapters/policy-gate';
import { RegistryCatalog } from './adapters/registry-catalog';
import { DEPLOYMENT_CLOCK, SYSTEM_DEPLOYMENT_CLOCK } from './clock';
import { CreateDeploymentPipe } from './create-deployment.pipe';
import { DeploymentPlanner } from './deployment-planner';
import { DeploymentQueries } from './deployment-queries';
import { DeploymentRunner } from './deployment-runner';
import { deploymentMetricProviders } from './deployment.metrics';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsRepository } from './deployments.repository';
import { DeploymentsService } from './deployments.service';
import { ManualRollback } from './manual-rollback';
import { APPROVAL_GATE, DEPLOYMENT_SCHEDULER, ENVIRONMENTS, MODULE_CATALOG, NODE_FLEET } from './ports';
import { BlueGreenStrategy } from './strategies/blue-green.strategy';
import { CanaryStrategy } from './strategies/canary.strategy';
import { DirectStrategy } from './strategies/direct.strategy';
import { RollingStrategy } from './strategies/rolling.strategy';
import { DEPLOYMENT_STRATEGIES } from './strategies/strategy';
import { StrategyRegistry } from './strategy-registry';

export interface DeploymentsModuleOptions {
  /**
   * `fleet` (the default): nodes and environments from libs/clusters, runs through the job queue.
   * `custom`: the caller provides NODE_FLEET, ENVIRONMENTS and DEPLOYMENT_SCHEDULER (tests).
   */
  readonly wiring?: 'fleet' | 'custom';
  readonly imports?: ModuleMetadata['imports'];
  /** Overrides of the default ports (tests, the approvals feature). */
  readonly providers?: Provider[];
}

const FLEET_WIRING: Provider[] = [
  FleetAdapter,
  { provide: NODE_FLEET, useExisting: FleetAdapter },
  { provide: ENVIRONMENTS, useExisting: FleetAdapter },
  QueueDeploymentScheduler,
  { provide: DEPLOYMENT_SCHEDULER, useExisting: QueueDeploymentScheduler },
  DeploymentWorker,
  AbandonedRunWatcher,
];

const STRATEGIES = [DirectStrategy, RollingStrategy, BlueGreenStrategy, CanaryStrategy];

/** The deployment engine: API, planner, runner and the four strategies as providers. */
@Module({})
export class DeploymentsModule {
  static forRoot(options: DeploymentsModuleOptions = {}): DynamicModule {
    const fleet = (options.wiring ?? 'fleet') === 'fleet';
    return {
      module: DeploymentsModule,
      imports: [ModulesModule, ...(fleet ? [ClustersModule] : []), ...(options.imports ?? [])],
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
        ...deploymentMetricProviders,
        DeploymentRunner,
        DeploymentsService,
        DeploymentQueries,
        ManualRollback,
        CreateDeploymentPipe,
        { provide: MODULE_CATALOG, useClass: RegistryCatalog },
        { provide: APPROVAL_GATE, useClass: PolicyOnlyGate },
        { provide: DEPLOYMENT_CLOCK, useValue: SYSTEM_DEPLOYMENT_CLOCK },
        ...(fleet ? FLEET_WIRING : []),
        ...(options.providers ?? []),
      ],
      exports: [DeploymentRunner, DeploymentsService, DEPLOYMENT_SCHEDULER],
    };
  }
}
