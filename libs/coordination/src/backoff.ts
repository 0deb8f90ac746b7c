/** How a queue retries a failed job. */
export interface RetryPolicy {
  /** Retries after the first attempt; the job gets `retryLimit + 1` attempts in all. */
  readonly retryLimit: number;
  /** Base delay in whole seconds (≥ 1): the first retry waits between 1× and 2× of it. */
  readonly retryDelaySeconds: number;
  /** Upper bound of any delay, in whole seconds. */
  readonly retryDelayMaxSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retryLimit: 5,
  retryDelaySeconds: 2,
  retryDelayMaxSeconds: 32,
};

/**
 * The window the delay after failed attempt `failedAttempt` (1-based) falls in. The queue doubles the
 * delay with every retry and adds "equal jitter" (pg-boss: `delay · 2^(n−1) · (1 + random)`), capped
 * at the maximum: with the defaults the retries wait 2–4, 4–8, 8–16, 16–32 and 32 s. Jitter keeps
 * replicas whose jobs failed together (a dependency went down) from retrying in lockstep.
 */
export function retryDelayWindow(
  policy: RetryPolicy,
  failedAttempt: number,
): { minMs: number; maxMs: number } {
  if (!Number.isInteger(failedAttempt) || failedAttempt < 1) throw new Error('failedAttempt starts at 1');
  const base = Math.max(1, policy.retryDelaySeconds) * 2 ** Math.min(15, failedAttempt - 1);
  const cap = policy.retryDelayMaxSeconds;
  return { minMs: Math.min(cap, base) * 1000, maxMs: Math.min(cap, 2 * base) * 1000 };
}

/** Whether failing attempt `attempt` (1-based) sends the job to its dead-letter queue. */
export function isLastAttempt(policy: Pick<RetryPolicy, 'retryLimit'>, attempt: number): boolean {
  return attempt > policy.retryLimit;
}
