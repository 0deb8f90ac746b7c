import { Inject, Injectable } from '@nestjs/common';
import { getToken, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';

export const APPROVALS_METRIC = 'hotswap_approvals_total';
export const APPROVAL_WAIT_METRIC = 'hotswap_approval_wait_seconds';

export const approvalsCounter = makeCounterProvider({
  name: APPROVALS_METRIC,
  help: 'Approval decisions: one per user decision (approved|rejected) and one per gate that expired (expired).',
  labelNames: ['environment', 'decision'],
});

export const approvalWaitHistogram = makeHistogramProvider({
  name: APPROVAL_WAIT_METRIC,
  help: 'Time a gate was open, from the pipeline reaching it to its approval, rejection or expiry.',
  labelNames: ['environment', 'outcome'],
  buckets: [1, 10, 60, 300, 900, 1_800, 3_600, 4 * 3_600, 12 * 3_600, 86_400, 3 * 86_400, 7 * 86_400],
});

/** Records the approval metrics (after the change committed). */
@Injectable()
export class ApprovalMetrics {
  constructor(
    @Inject(getToken(APPROVALS_METRIC)) private readonly decisions: Counter,
    @Inject(getToken(APPROVAL_WAIT_METRIC)) private readonly wait: Histogram,
  ) {}

  decided(environment: string, decision: 'approved' | 'rejected' | 'expired'): void {
    this.decisions.inc({ environment, decision });
  }

  closed(environment: string, outcome: string, openedAt: Date, closedAt: Date): void {
    this.wait.observe(
      { environment, outcome },
      Math.max(0, (closedAt.getTime() - openedAt.getTime()) / 1000),
    );
  }
}
