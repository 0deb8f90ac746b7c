import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { ClustersModule } from '@hotswap/clusters';
import { AppConfig } from '@hotswap/config';
import { APPROVAL_GATE, DEPLOYMENT_APPROVALS, type DeploymentsModuleOptions } from '@hotswap/deployments';
import { ApprovalGate } from './approval-gate';
import { ApprovalMetrics, approvalsCounter, approvalWaitHistogram } from './approval.metrics';
import { ApprovalQueries } from './approval-queries';
import { ApprovalSweeper } from './approval-sweeper';
import { ApprovalTransitions } from './approval-transitions';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsRepository } from './approvals.repository';
import { ApprovalsService } from './approvals.service';
import { WebhookNotifier } from './webhooks/webhook-notifier';
import { WebhookSender } from './webhooks/webhook-sender';
import { WebhookWorker } from './webhooks/webhook-worker';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksRepository } from './webhooks/webhooks.repository';
import { WebhooksService } from './webhooks/webhooks.service';

/**
 * What both sides of the gate share: the gate's rows and transitions, metrics and webhook delivery.
 * Imported by the deployment engine (for the gate) and by {@link ApprovalsModule} (for the API).
 */
@Module({
  providers: [
    ApprovalsRepository,
    ApprovalTransitions,
    approvalsCounter,
    approvalWaitHistogram,
    ApprovalMetrics,
    WebhooksRepository,
    WebhookNotifier,
    {
      provide: WebhookSender,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new WebhookSender({
          allowPrivateTargets: config.approvals.webhooks.allowPrivateTargets,
          timeoutMs: config.approvals.webhooks.timeoutMs,
        }),
    },
    WebhookWorker,
  ],
  exports: [ApprovalsRepository, ApprovalTransitions, ApprovalMetrics, WebhooksRepository, WebhookNotifier],
})
export class ApprovalsCoreModule {}

/**
 * The options that plug the approval gate into `DeploymentsModule.forRoot` (it replaces the
 * policy-only gate). The gate lives in the engine's module so it can read the deployment it gates.
 */
export function approvalGateWiring(): Required<Pick<DeploymentsModuleOptions, 'imports' | 'providers'>> {
  const providers: Provider[] = [
    ApprovalGate,
    { provide: APPROVAL_GATE, useExisting: ApprovalGate },
    { provide: DEPLOYMENT_APPROVALS, useExisting: ApprovalGate },
  ];
  return { imports: [ApprovalsCoreModule], providers };
}

/**
 * The approvals API, the expiry sweep and environment webhooks. `deployments` is the application's
 * `DeploymentsModule.forRoot(...)` (the same object), for the scheduler and the deployments service.
 */
@Module({})
export class ApprovalsModule {
  static forRoot(options: { deployments: DynamicModule }): DynamicModule {
    return {
      module: ApprovalsModule,
      imports: [ApprovalsCoreModule, ClustersModule, options.deployments],
      controllers: [ApprovalsController, WebhooksController],
      providers: [ApprovalsService, ApprovalQueries, ApprovalSweeper, WebhooksService],
      exports: [ApprovalsService, ApprovalSweeper],
    };
  }
}
