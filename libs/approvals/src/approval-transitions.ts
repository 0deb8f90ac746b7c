import { Inject, Injectable } from '@nestjs/common';
import type { EventPayloads } from '@hotswap/contracts';
import { AuditService, SYSTEM_ACTOR, type AuditActor } from '@hotswap/audit';
import { EventLog } from '@hotswap/events';
import { ApprovalStatus, describeTimeout } from './approval-state';

type ApprovalEvent = 'approval.requested' | 'approval.decided' | 'approval.expired';
import { ApprovalsRepository } from './approvals.repository';
import type { ApprovalRequestEntity } from './entities/approval-request.entity';
import { WebhookNotifier } from './webhooks/webhook-notifier';

/** The message a deployment fails with when its gate expires: it names the timeout. */
export function expiryMessage(gate: Pick<ApprovalRequestEntity, 'environment' | 'timeoutSeconds'>): string {
  return `Approval for ${gate.environment} expired: no decision within the approval timeout of ${describeTimeout(gate.timeoutSeconds)}`;
}

/**
 * The writes of gate transitions that more than one use case makes (opening, expiring, cancelling):
 * row, event, audit record and webhook jobs, all in the caller's transaction.
 */
@Injectable()
export class ApprovalTransitions {
  constructor(
    @Inject(ApprovalsRepository) private readonly repository: ApprovalsRepository,
    @Inject(EventLog) private readonly events: EventLog,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(WebhookNotifier) private readonly webhooks: WebhookNotifier,
  ) {}

  /** Opens a gate (once per deployment and environment). True when this call opened it. */
  async open(gate: ApprovalRequestEntity): Promise<boolean> {
    if (!(await this.repository.insertIfAbsent(gate))) return false;
    const payload: EventPayloads['approval.requested'] = {
      requestId: gate.id,
      environment: gate.environment,
      module: gate.moduleName,
      version: gate.version,
      requestedBy: gate.requestedBy,
      quorum: gate.quorum,
      approverRoles: [...gate.approverRoles],
      expiresAt: gate.expiresAt.toISOString(),
    };
    await this.announce(gate, 'approval.requested', payload, 'approval.request', SYSTEM_ACTOR, {
      quorum: gate.quorum,
      approverRoles: gate.approverRoles,
      requesterMayApprove: gate.requesterMayApprove,
      expiresAt: gate.expiresAt.toISOString(),
    });
    return true;
  }

  /** Expires a pending gate the caller has locked. */
  async expire(gate: ApprovalRequestEntity, now: Date): Promise<string> {
    const reason = expiryMessage(gate);
    await this.close(gate, ApprovalStatus.Expired, now, 'system', reason);
    const payload: EventPayloads['approval.expired'] = {
      requestId: gate.id,
      environment: gate.environment,
      decision: 'expired',
      by: 'system',
      reason,
      timeoutSeconds: gate.timeoutSeconds,
      expiresAt: gate.expiresAt.toISOString(),
    };
    await this.announce(gate, 'approval.expired', payload, 'approval.expire', SYSTEM_ACTOR, {
      timeoutSeconds: gate.timeoutSeconds,
      expiresAt: gate.expiresAt.toISOString(),
    });
    return reason;
  }

  /** Closes a pending gate whose deployment ended without it. */
  async cancel(gate: ApprovalRequestEntity, now: Date, why: string): Promise<void> {
    await this.close(gate, ApprovalStatus.Cancelled, now, 'system', why);
    await this.audit.record({
      category: 'approvals',
      action: 'approval.cancel',
      result: 'success',
      actor: SYSTEM_ACTOR,
      resource: { type: 'deployment', id: gate.deploymentId },
      details: { requestId: gate.id, environment: gate.environment, reason: why },
    });
  }

  /** Closes a gate the caller has locked: its row and the caller's copy. */
  async close(
    gate: ApprovalRequestEntity,
    status: ApprovalStatus,
    now: Date,
    by: string,
    reason: string | null,
  ): Promise<void> {
    await this.repository.update(gate.id, { status, closedAt: now, closedBy: by, closeReason: reason });
    gate.status = status;
    gate.closedAt = now;
    gate.closedBy = by;
    gate.closeReason = reason;
  }

  /** What every announced transition writes: its event, its audit record and its webhook jobs. */
  async announce<T extends ApprovalEvent>(
    gate: ApprovalRequestEntity,
    type: T,
    payload: EventPayloads[T],
    action: string,
    actor: AuditActor,
    details: Record<string, unknown>,
  ): Promise<void> {
    await this.events.append(type, subjectOf(gate), payload);
    await this.audit.record({
      category: 'approvals',
      action,
      result: 'success',
      actor,
      resource: { type: 'deployment', id: gate.deploymentId },
      details: { requestId: gate.id, environment: gate.environment, ...details },
    });
    await this.webhooks.notify(gate, type, payload);
  }
}

export function subjectOf(gate: ApprovalRequestEntity): {
  deploymentId: string;
  environment: string;
  moduleName: string;
} {
  return { deploymentId: gate.deploymentId, environment: gate.environment, moduleName: gate.moduleName };
}
