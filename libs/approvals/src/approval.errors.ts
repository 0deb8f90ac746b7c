import { ApprovalErrorCode } from '@hotswap/contracts';
import { DomainError } from '@hotswap/http';
import type { DecisionRefusal } from './approval-state';
import type { ApprovalRequestEntity } from './entities/approval-request.entity';

export class ApprovalError extends DomainError {}

export function noOpenGate(deploymentId: string): ApprovalError {
  return new ApprovalError(
    ApprovalErrorCode.ApprovalNotPending,
    `Deployment '${deploymentId}' is not waiting for approval.`,
  );
}

/** The error for a refused decision (see `applyDecision`). */
export function refusalError(
  refusal: DecisionRefusal,
  gate: ApprovalRequestEntity,
  by: string,
  roles: readonly string[],
): ApprovalError {
  switch (refusal) {
    case 'not_pending':
      return new ApprovalError(
        gate.status === 'Expired' ? ApprovalErrorCode.ApprovalExpired : ApprovalErrorCode.ApprovalNotPending,
        `The ${gate.environment} gate of deployment '${gate.deploymentId}' is ${gate.status}, not pending.`,
      );
    case 'role':
      return new ApprovalError(
        ApprovalErrorCode.ApproverNotAllowed,
        `Approving at ${gate.environment} takes one of the roles ${gate.approverRoles.join(', ')}; you have ${roles.length === 0 ? 'none' : roles.join(', ')}.`,
      );
    case 'requester':
      return new ApprovalError(
        ApprovalErrorCode.ApproverNotAllowed,
        `${by} requested this deployment; ${gate.environment} requires someone else to decide (four eyes).`,
      );
    case 'expired':
      return new ApprovalError(
        ApprovalErrorCode.ApprovalExpired,
        `The ${gate.environment} gate of deployment '${gate.deploymentId}' expired at ${gate.expiresAt.toISOString()}.`,
      );
    case 'already_decided':
      return new ApprovalError(
        ApprovalErrorCode.ApprovalAlreadyDecided,
        `${by} already decided the ${gate.environment} gate of deployment '${gate.deploymentId}'; the quorum counts distinct users.`,
      );
  }
}
