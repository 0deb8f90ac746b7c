import { Inject, Injectable } from '@nestjs/common';
import type { EventPayloads } from '@hotswap/contracts';
import { AuditService, SYSTEM_ACTOR } from '@hotswap/audit';
import { EventLog } from '@hotswap/events';
import { ApprovalStatus, describeTimeout } from './approval-state';
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
    await this.events.append('approval.requested', subjectOf(gate), payload);
    await this.audit.record({
      category: 'approvals',
      action: 'approval.request',
      result: 'success',
      actor: SYSTEM_ACTOR,
      resource: { type: 'deployment', id: gate.deploymentId },
      details: {
        requestId: gate.id,
        environment: gate.environment,
        quorum: gate.quorum,
        approverRoles: gate.approverRoles,
        requesterMayApprove: gate.requesterMayApprove,
        expiresAt: gate.expiresAt.toISOString(),
      },
    });
    await this.webhooks.notify(gate, 'approval.requested', payload);
    return true;
  }

  /** Expires a pending gate the caller has locked. */
  async expire(gate: ApprovalRequestEntity, now: Date): Promise<string> {
    const reason = expiryMessage(gate);
    await this.repository.update(gate.id, {
      status: ApprovalStatus.Expired,
      closedAt: now,
      closedBy: 'system',
      closeReason: reason,
    });
    gate.status = ApprovalStatus.Expired;
    gate.closedAt = now;
    gate.closedBy = 'system';
    gate.closeReason = reason;
    const payload: EventPayloads['approval.expired'] = {
      requestId: gate.id,
      environment: gate.environment,
      decision: 'expired',
      by: 'system',
      reason,
      timeoutSeconds: gate.timeoutSeconds,
      expiresAt: gate.expiresAt.toISOString(),
    };
    await this.events.append('approval.expired', subjectOf(gate), payload);
    await this.audit.record({
      category: 'approvals',
      action: 'approval.expire',
      result: 'success',
      actor: SYSTEM_ACTOR,
      resource: { type: 'deployment', id: gate.deploymentId },
      details: {
        requestId: gate.id,
        environment: gate.environment,
        timeoutSeconds: gate.timeoutSeconds,
        expiresAt: gate.expiresAt.toISOString(),
      },
    });
    await this.webhooks.notify(gate, 'approval.expired', payload);
    return reason;
  }

  /** Closes a pending gate whose deployment ended without it. */
  async cancel(gate: ApprovalRequestEntity, now: Date, why: string): Promise<void> {
    await this.repository.update(gate.id, {
      status: ApprovalStatus.Cancelled,
      closedAt: now,
      closedBy: 'system',
      closeReason: why,
    });
    await this.audit.record({
      category: 'approvals',
      action: 'approval.cancel',
      result: 'success',
      actor: SYSTEM_ACTOR,
      resource: { type: 'deployment', id: gate.deploymentId },
      details: { requestId: gate.id, environment: gate.environment, reason: why },
    });
  }
}

export function subjectOf(gate: ApprovalRequestEntity): {
  deploymentId: string;
  environment: string;
  moduleName: string;
} {
  return { deploymentId: gate.deploymentId, environment: gate.environment, moduleName: gate.moduleName };
}
