import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { actorOf } from '@hotswap/audit';
import { Clock, type EventPayloads, type Principal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { DEPLOYMENT_SCHEDULER, DeploymentsService, type DeploymentScheduler } from '@hotswap/deployments';
import { ApprovalMetrics } from './approval.metrics';
import { applyDecision, ApprovalStatus, type Decision, type GateState } from './approval-state';
import { ApprovalTransitions } from './approval-transitions';
import { noOpenGate, refusalError } from './approval.errors';
import { ApprovalsRepository } from './approvals.repository';
import type { ApprovalDecisionEntity } from './entities/approval-decision.entity';
import type { ApprovalRequestEntity } from './entities/approval-request.entity';

function stateOf(gate: ApprovalRequestEntity, decisions: readonly ApprovalDecisionEntity[]): GateState {
  return {
    status: gate.status as ApprovalStatus,
    quorum: gate.quorum,
    approverRoles: gate.approverRoles,
    requesterMayApprove: gate.requesterMayApprove,
    requestedBy: gate.requestedBy,
    expiresAt: gate.expiresAt,
    decisions: decisions.map((d) => ({ by: d.decidedBy, decision: d.decision as Decision })),
  };
}

/** Approving and rejecting: the caller is the approver; the gate row is locked while deciding. */
@Injectable()
export class ApprovalsService {
  private readonly logger = new Logger('Approvals');

  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(ApprovalsRepository) private readonly repository: ApprovalsRepository,
    @Inject(ApprovalTransitions) private readonly transitions: ApprovalTransitions,
    @Inject(DeploymentsService) private readonly deployments: DeploymentsService,
    @Inject(DEPLOYMENT_SCHEDULER) private readonly scheduler: DeploymentScheduler,
    @Inject(ApprovalMetrics) private readonly metrics: ApprovalMetrics,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /**
   * Records the caller's decision on the deployment's open gate. When it closes the gate (quorum
   * reached, or a rejection) the deployment is scheduled in the same transaction, so the pipeline
   * goes on at once. Past the deadline the gate is expired (committed even though the answer is 409).
   */
  async decide(
    deploymentId: string,
    principal: Principal,
    decision: Decision,
    reason: string | undefined,
  ): Promise<ApprovalRequestEntity> {
    const by = principal.username ?? principal.id;
    const gates = await this.repository.ofDeployment(deploymentId);
    const current = gates.find((g) => g.status === ApprovalStatus.Pending) ?? gates[gates.length - 1];
    if (current === undefined) {
      await this.deployments.get(deploymentId); // 404 when the deployment does not exist
      throw noOpenGate(deploymentId);
    }
    const now = this.clock.now();
    const input = { by, roles: principal.roles, decision, now };
    const precheck = applyDecision(stateOf(current, await this.repository.decisionsOf([current.id])), input);
    if (!precheck.ok) {
      if (precheck.refusal === 'expired') {
        const expiry = this.database.detached(() => this.expire(current.id, now));
        if (!this.database.inTransaction) await expiry;
        // Inside the request's transaction (an Idempotency-Key request): embedded PostgreSQL starts the
        // expiry's own transaction only once this one has ended, so it completes after the answer.
        else
          expiry.catch((error: unknown) =>
            this.logger.error({ msg: 'expiring an overdue gate failed', requestId: current.id, err: error }),
          );
      }
      throw refusalError(precheck.refusal, current, by, principal.roles);
    }
    const result = await this.database.transaction(async () => {
      const gate = await this.repository.lock(current.id);
      if (gate === null) throw noOpenGate(deploymentId);
      const outcome = applyDecision(stateOf(gate, await this.repository.decisionsOf([gate.id])), input);
      // Expired between the check and the lock: refused here, persisted by the sweep.
      if (!outcome.ok) throw refusalError(outcome.refusal, gate, by, principal.roles);
      const trimmed = reason?.trim() || null;
      await this.repository.insertDecision({
        id: randomUUID(),
        requestId: gate.id,
        decidedBy: by,
        decision,
        reason: trimmed,
        decidedAt: now,
      });
      if (outcome.status !== ApprovalStatus.Pending) {
        await this.transitions.close(gate, outcome.status, now, by, trimmed);
      }
      const payload: EventPayloads['approval.decided'] = {
        requestId: gate.id,
        environment: gate.environment,
        decision,
        by,
        reason: trimmed,
        status: outcome.status,
        approvals: outcome.approvals,
        quorum: gate.quorum,
        expiresAt: gate.expiresAt.toISOString(),
      };
      await this.transitions.announce(
        gate,
        'approval.decided',
        payload,
        decision === 'approved' ? 'approval.approve' : 'approval.reject',
        actorOf(principal),
        { reason: trimmed, gateStatus: outcome.status, approvals: outcome.approvals, quorum: gate.quorum },
      );
      if (outcome.status !== ApprovalStatus.Pending) await this.scheduler.schedule(gate.deploymentId);
      return gate;
    });
    this.metrics.decided(result.environment, decision);
    if (result.status !== ApprovalStatus.Pending)
      this.metrics.closed(result.environment, result.status, result.requestedAt, now);
    return result;
  }

  /**
   * Expires the gate if it is still pending and past its deadline, and wakes its deployment (which
   * then fails at the gate). Its own transaction. True when this call expired it.
   */
  async expire(id: string, now: Date, options: { skipLocked?: boolean } = {}): Promise<boolean> {
    const expired = await this.database.transaction(async () => {
      const gate =
        options.skipLocked === true ? await this.repository.lockIfFree(id) : await this.repository.lock(id);
      if (gate === null || gate.status !== ApprovalStatus.Pending) return null;
      if (now.getTime() < gate.expiresAt.getTime()) return null;
      await this.transitions.expire(gate, now);
      await this.scheduler.schedule(gate.deploymentId);
      return gate;
    });
    if (expired === null) return false;
    this.metrics.decided(expired.environment, 'expired');
    this.metrics.closed(expired.environment, ApprovalStatus.Expired, expired.requestedAt, now);
    return true;
  }

  /** Closes a pending gate whose deployment has ended. True when this call closed it. */
  async cancel(id: string, now: Date, why: string): Promise<boolean> {
    return this.database.transaction(async () => {
      const gate = await this.repository.lockIfFree(id);
      if (gate === null || gate.status !== ApprovalStatus.Pending) return false;
      await this.transitions.cancel(gate, now, why);
      return true;
    });
  }
}
