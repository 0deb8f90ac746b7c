import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Clock, DeploymentErrorCode } from '@hotswap/contracts';
import { LeaderScheduler } from '@hotswap/coordination';
import { DeploymentsService, DeploymentStatus } from '@hotswap/deployments';
import { DomainError } from '@hotswap/http';
import { ApprovalsRepository } from './approvals.repository';
import { ApprovalsService } from './approvals.service';

export const APPROVAL_SWEEP_TASK = 'approvals.expiry-sweep';
const BATCH = 100;
const ENDED: ReadonlySet<string> = new Set([
  DeploymentStatus.Succeeded,
  DeploymentStatus.Failed,
  DeploymentStatus.RolledBack,
  DeploymentStatus.Cancelled,
]);

/**
 * Leader-only sweep: expires open gates past their deadline (the deployment is woken and fails at the
 * gate), and closes open gates whose deployment has ended some other way (aborted).
 */
@Injectable()
export class ApprovalSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger('ApprovalSweeper');

  constructor(
    @Inject(LeaderScheduler) private readonly leader: LeaderScheduler,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(ApprovalsRepository) private readonly repository: ApprovalsRepository,
    @Inject(ApprovalsService) private readonly approvals: ApprovalsService,
    @Inject(DeploymentsService) private readonly deployments: DeploymentsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.leader.every(APPROVAL_SWEEP_TASK, this.config.approvals.sweepIntervalMs, async ({ signal }) => {
      await this.sweep(signal);
    });
  }

  /** One pass; returns how many gates it expired and cancelled. */
  async sweep(signal?: AbortSignal): Promise<{ expired: number; cancelled: number }> {
    const now = this.clock.now();
    let expired = 0;
    for (const gate of await this.repository.overdue(now, BATCH)) {
      if (signal?.aborted === true) break;
      if (await this.approvals.expire(gate.id, now, { skipLocked: true })) expired++;
    }
    let cancelled = 0;
    let after: { expiresAt: Date; id: string } | undefined;
    for (;;) {
      const page = await this.repository.pending(BATCH, after);
      for (const gate of page) {
        if (signal?.aborted === true) break;
        if (await this.cancelIfEnded(gate.id, gate.deploymentId, now)) cancelled++;
      }
      const last = page[page.length - 1];
      if (page.length < BATCH || last === undefined || signal?.aborted === true) break;
      after = { expiresAt: last.expiresAt, id: last.id };
    }
    if (expired > 0 || cancelled > 0) this.logger.log({ msg: 'approval gates swept', expired, cancelled });
    return { expired, cancelled };
  }

  private async cancelIfEnded(gateId: string, deploymentId: string, now: Date): Promise<boolean> {
    const deployment = await this.deployments.get(deploymentId).catch((error: unknown) => {
      if (error instanceof DomainError && error.code === DeploymentErrorCode.DeploymentNotFound) return null;
      throw error;
    });
    if (deployment !== null && !ENDED.has(deployment.status)) return false;
    const why =
      deployment === null ? 'the deployment no longer exists' : `the deployment ended (${deployment.status})`;
    return this.approvals.cancel(gateId, now, why);
  }
}
