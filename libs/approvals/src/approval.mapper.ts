import { ApprovalStatus, formatTimeRemaining } from './approval-state';
import type { ApprovalResponseDto } from './dto/approval.dto';
import type { ApprovalDecisionEntity } from './entities/approval-decision.entity';
import type { ApprovalRequestEntity } from './entities/approval-request.entity';

export function toApprovalResponse(
  gate: ApprovalRequestEntity,
  decisions: readonly ApprovalDecisionEntity[],
  now: Date,
): ApprovalResponseDto {
  const mine = decisions.filter((d) => d.requestId === gate.id);
  return {
    id: gate.id,
    deploymentId: gate.deploymentId,
    environment: gate.environment,
    moduleName: gate.moduleName,
    version: gate.version,
    requestedBy: gate.requestedBy,
    status: gate.status,
    quorum: gate.quorum,
    approvals: new Set(mine.filter((d) => d.decision === 'approved').map((d) => d.decidedBy)).size,
    approverRoles: [...gate.approverRoles],
    requesterMayApprove: gate.requesterMayApprove,
    timeoutSeconds: gate.timeoutSeconds,
    requestedAt: gate.requestedAt.toISOString(),
    expiresAt: gate.expiresAt.toISOString(),
    timeRemaining: gate.status === ApprovalStatus.Pending ? formatTimeRemaining(gate.expiresAt, now) : null,
    closedAt: gate.closedAt?.toISOString() ?? null,
    closedBy: gate.closedBy,
    closeReason: gate.closeReason,
    decisions: mine.map((d) => ({
      by: d.decidedBy,
      decision: d.decision,
      reason: d.reason,
      at: d.decidedAt.toISOString(),
    })),
  };
}
