import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import {
  DeploymentsService,
  type ApprovalGatePort,
  type ApprovalPolicy,
  type DeploymentApprovalsPort,
  type DeploymentApprovalView,
  type GateDecision,
} from '@hotswap/deployments';
import { ApprovalMetrics } from './approval.metrics';
import { ApprovalStatus } from './approval-state';
import { ApprovalTransitions, expiryMessage } from './approval-transitions';
import { ApprovalsRepository } from './approvals.repository';
import type { ApprovalRequestEntity } from './entities/approval-request.entity';

/** The stage message of a deployment whose gate was rejected: who, and why. */
export function rejectionMessage(
  gate: Pick<ApprovalRequestEntity, 'environment' | 'closedBy' | 'closeReason'>,
): string {
  return `Rejected for ${gate.environment} by ${gate.closedBy ?? 'unknown'}: ${gate.closeReason ?? 'no reason given'}`;
}

/**
 * The deployment engine's approval gate (deployments spec §7). The first evaluation at an environment
 * opens a gate with the policy copied in; later ones read its state, expiring it when its deadline has
 * passed. Nothing waits in memory: the runner asks again on its own schedule, and a decision or the
 * expiry sweep wakes it at once.
 */
@Injectable()
export class ApprovalGate implements ApprovalGatePort, DeploymentApprovalsPort {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(ApprovalsRepository) private readonly repository: ApprovalsRepository,
    @Inject(ApprovalTransitions) private readonly transitions: ApprovalTransitions,
    @Inject(DeploymentsService) private readonly deployments: DeploymentsService,
    @Inject(ApprovalMetrics) private readonly metrics: ApprovalMetrics,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async evaluate(input: {
    deploymentId: string;
    environment: string;
    policy: ApprovalPolicy;
    requestedBy: string;
  }): Promise<GateDecision> {
    const gate = await this.repository.findGate(input.deploymentId, input.environment);
    if (gate === null) {
      await this.open(input);
      return { state: 'pending' };
    }
    return this.decisionOf(gate);
  }

  private async open(input: {
    deploymentId: string;
    environment: string;
    policy: ApprovalPolicy;
    requestedBy: string;
  }): Promise<void> {
    const deployment = await this.deployments.get(input.deploymentId);
    const now = this.clock.now();
    await this.database.transaction(() =>
      this.transitions.open({
        id: randomUUID(),
        deploymentId: input.deploymentId,
        environment: input.environment,
        moduleName: deployment.moduleName,
        version: deployment.version,
        requestedBy: input.requestedBy,
        status: ApprovalStatus.Pending,
        quorum: Math.max(1, input.policy.quorum),
        approverRoles: [...input.policy.approverRoles],
        requesterMayApprove: input.policy.requesterMayApprove,
        timeoutSeconds: input.policy.timeoutSeconds,
        requestedAt: now,
        expiresAt: new Date(now.getTime() + input.policy.timeoutSeconds * 1000),
        closedAt: null,
        closedBy: null,
        closeReason: null,
      }),
    );
  }

  private async decisionOf(gate: ApprovalRequestEntity): Promise<GateDecision> {
    switch (gate.status as ApprovalStatus) {
      case ApprovalStatus.Pending: {
        const now = this.clock.now();
        if (now.getTime() < gate.expiresAt.getTime()) return { state: 'pending' };
        const expired = await this.database.transaction(async () => {
          const locked = await this.repository.lock(gate.id);
          if (locked === null) return null;
          if (locked.status !== ApprovalStatus.Pending) return locked;
          await this.transitions.expire(locked, now);
          return Object.assign(locked, { expiredNow: true });
        });
        if (expired === null) return { state: 'pending' };
        if ('expiredNow' in expired) {
          this.metrics.decided(expired.environment, 'expired');
          this.metrics.closed(expired.environment, ApprovalStatus.Expired, expired.requestedAt, now);
        }
        return expired.status === ApprovalStatus.Pending ? { state: 'pending' } : this.decisionOf(expired);
      }
      case ApprovalStatus.Approved:
        return { state: 'approved' };
      case ApprovalStatus.Rejected:
        return { state: 'rejected', reason: rejectionMessage(gate) };
      case ApprovalStatus.Expired:
        return { state: 'rejected', reason: gate.closeReason ?? expiryMessage(gate) };
      case ApprovalStatus.Cancelled:
        return {
          state: 'rejected',
          reason: `Approval for ${gate.environment} cancelled: ${gate.closeReason ?? 'the gate was closed'}`,
        };
    }
  }

  /** Every gate of a deployment with its decisions, oldest first (`GET /deployments/{id}`). */
  async approvalsOf(deploymentId: string): Promise<readonly DeploymentApprovalView[]> {
    const gates = await this.repository.ofDeployment(deploymentId);
    if (gates.length === 0) return [];
    const decisions = await this.repository.decisionsOf(gates.map((g) => g.id));
    return gates.map((g) => {
      const mine = decisions.filter((d) => d.requestId === g.id);
      return {
        environment: g.environment,
        status: g.status,
        quorum: g.quorum,
        approvals: new Set(mine.filter((d) => d.decision === 'approved').map((d) => d.decidedBy)).size,
        approverRoles: [...g.approverRoles],
        requestedAt: g.requestedAt,
        expiresAt: g.expiresAt,
        closedAt: g.closedAt,
        closedBy: g.closedBy,
        closeReason: g.closeReason,
        decisions: mine.map((d) => ({
          by: d.decidedBy,
          decision: d.decision,
          reason: d.reason,
          at: d.decidedAt,
        })),
      };
    });
  }
}
