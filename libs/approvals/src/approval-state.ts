import { satisfiesRoles, type Role } from '@hotswap/contracts';

/** The states of an approval gate. Only `Pending` takes decisions; the others are final. */
export const ApprovalStatus = {
  Pending: 'Pending',
  Approved: 'Approved',
  Rejected: 'Rejected',
  Expired: 'Expired',
  /** The deployment ended (aborted, failed elsewhere) while the gate was open. */
  Cancelled: 'Cancelled',
} as const;
export type ApprovalStatus = (typeof ApprovalStatus)[keyof typeof ApprovalStatus];
export const APPROVAL_STATUSES = Object.values(ApprovalStatus);

export type Decision = 'approved' | 'rejected';

/** What a decision needs to know about a gate. */
export interface GateState {
  readonly status: ApprovalStatus;
  readonly quorum: number;
  readonly approverRoles: readonly string[];
  readonly requesterMayApprove: boolean;
  readonly requestedBy: string;
  readonly expiresAt: Date;
  /** Who decided so far (user names), in order. */
  readonly decisions: readonly { readonly by: string; readonly decision: Decision }[];
}

export interface DecisionInput {
  readonly by: string;
  readonly roles: readonly Role[];
  readonly decision: Decision;
  readonly now: Date;
}

export type DecisionRefusal = 'not_pending' | 'role' | 'requester' | 'expired' | 'already_decided';

export type DecisionOutcome =
  | {
      readonly ok: true;
      /** The gate's status after the decision. */
      readonly status: ApprovalStatus;
      /** Distinct users who approved, this decision included. */
      readonly approvals: number;
    }
  | { readonly ok: false; readonly refusal: DecisionRefusal };

/**
 * The quorum state machine: a pending gate opens (`Approved`) when `quorum` distinct users have
 * approved, closes (`Rejected`) at the first rejection, and refuses — in this order — a gate that is
 * not pending, a caller without an approver role, the requester when four eyes are required, a gate
 * past its timeout, and a second decision by the same user.
 */
export function applyDecision(gate: GateState, input: DecisionInput): DecisionOutcome {
  if (gate.status !== ApprovalStatus.Pending) return { ok: false, refusal: 'not_pending' };
  if (!satisfiesRoles(input.roles, gate.approverRoles as Role[])) return { ok: false, refusal: 'role' };
  if (!gate.requesterMayApprove && input.by === gate.requestedBy) return { ok: false, refusal: 'requester' };
  if (input.now.getTime() >= gate.expiresAt.getTime()) return { ok: false, refusal: 'expired' };
  if (gate.decisions.some((d) => d.by === input.by)) return { ok: false, refusal: 'already_decided' };
  const approvers = new Set(gate.decisions.filter((d) => d.decision === 'approved').map((d) => d.by));
  if (input.decision === 'rejected')
    return { ok: true, status: ApprovalStatus.Rejected, approvals: approvers.size };
  approvers.add(input.by);
  return {
    ok: true,
    status: approvers.size >= gate.quorum ? ApprovalStatus.Approved : ApprovalStatus.Pending,
    approvals: approvers.size,
  };
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How long a gate has left, for people: `2d 3h`, `5h 30m`, `45m`, `<1m`, or `Expired` once the
 * deadline has passed. Units below the two largest are dropped (rounded down).
 */
export function formatTimeRemaining(expiresAt: Date, now: Date): string {
  const left = expiresAt.getTime() - now.getTime();
  if (left <= 0) return 'Expired';
  const seconds = Math.floor(left / 1000);
  const days = Math.floor(seconds / DAY);
  const hours = Math.floor((seconds % DAY) / HOUR);
  const minutes = Math.floor((seconds % HOUR) / MINUTE);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m`;
  return '<1m';
}

/** A timeout in the words a stage message uses: `86400 s (1d)`, `3600 s (1h)`, `90 s`. */
export function describeTimeout(timeoutSeconds: number): string {
  const parts: string[] = [];
  let rest = timeoutSeconds;
  for (const [unit, size] of [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n}${unit}`);
    rest -= n * size;
  }
  if (rest > 0 && parts.length > 0) parts.push(`${rest}s`);
  return parts.length === 0 ? `${timeoutSeconds} s` : `${timeoutSeconds} s (${parts.join(' ')})`;
}
