/** The canary analysis thresholds: the largest allowed relative increase, in percent, per metric. */
export interface CanaryThresholds {
  readonly errorRate: number;
  readonly latencyP95Ms: number;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
}

/**
 * The highest thresholds there are: an administrator sets an environment's bounds (and its default
 * thresholds) within them; a deployment's own thresholds stay within the environment's bounds.
 */
export const CANARY_THRESHOLD_LIMITS: CanaryThresholds = {
  errorRate: 500,
  latencyP95Ms: 1000,
  cpuPercent: 300,
  memoryPercent: 300,
};
