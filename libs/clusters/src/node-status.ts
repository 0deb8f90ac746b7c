export const NODE_KINDS = ['agent', 'simulated'] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

export const NODE_STATUSES = [
  'Initializing',
  'Running',
  'Degraded',
  'Unhealthy',
  'Unknown',
  'Draining',
  'Stopped',
] as const;
export type NodeStatus = (typeof NODE_STATUSES)[number];

/** One heartbeat's measurements. `errorRate` is a percentage (0–100). */
export interface NodeMetrics {
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly latencyP95Ms: number;
  readonly errorRate: number;
  readonly requestsPerSecond: number;
}

/** The health rule of product spec §3: above these a node is unhealthy. */
export const HEALTH_THRESHOLDS = { cpuPercent: 90, memoryPercent: 90, errorRate: 5 } as const;
/** Below the health thresholds but above these, a node is `Degraded` (still counted healthy). */
export const DEGRADED_THRESHOLDS = { cpuPercent: 75, memoryPercent: 75, errorRate: 2 } as const;

/** Why metrics breach the health rule; empty when they do not. */
export function thresholdBreaches(m: NodeMetrics): string[] {
  const out: string[] = [];
  if (m.cpuPercent >= HEALTH_THRESHOLDS.cpuPercent) out.push(`cpu ${m.cpuPercent.toFixed(1)}% ≥ 90%`);
  if (m.memoryPercent >= HEALTH_THRESHOLDS.memoryPercent)
    out.push(`memory ${m.memoryPercent.toFixed(1)}% ≥ 90%`);
  if (m.errorRate >= HEALTH_THRESHOLDS.errorRate) out.push(`error rate ${m.errorRate.toFixed(2)}% ≥ 5%`);
  return out;
}

/** The status a heartbeat with these metrics puts a node in, with the reason. */
export function statusFromMetrics(m: NodeMetrics): { status: NodeStatus; reason: string } {
  const breaches = thresholdBreaches(m);
  if (breaches.length > 0) return { status: 'Unhealthy', reason: breaches.join(', ') };
  const warnings: string[] = [];
  if (m.cpuPercent >= DEGRADED_THRESHOLDS.cpuPercent) warnings.push('cpu above 75%');
  if (m.memoryPercent >= DEGRADED_THRESHOLDS.memoryPercent) warnings.push('memory above 75%');
  if (m.errorRate >= DEGRADED_THRESHOLDS.errorRate) warnings.push('error rate above 2%');
  if (warnings.length > 0) return { status: 'Degraded', reason: warnings.join(', ') };
  return { status: 'Running', reason: 'heartbeat within thresholds' };
}

/** Statuses an operator or the lifecycle set, which heartbeats do not override. */
export const STICKY_STATUSES: readonly NodeStatus[] = ['Draining', 'Stopped'];

export interface HealthInput {
  readonly status: NodeStatus;
  readonly lastHeartbeatAt: Date | null;
  readonly metrics: NodeMetrics | null;
}

/**
 * The health rule (product spec §3): heartbeat younger than the timeout and cpu < 90 %, memory < 90 %,
 * error rate < 5 %. A stopped node or one in `Unknown` is never healthy.
 */
export function evaluateHealth(
  node: HealthInput,
  now: Date,
  heartbeatTimeoutMs: number,
): { healthy: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (node.status === 'Stopped') reasons.push('node is stopped');
  if (node.status === 'Unknown') reasons.push('heartbeat lost');
  if (node.lastHeartbeatAt === null) reasons.push('no heartbeat yet');
  else if (now.getTime() - node.lastHeartbeatAt.getTime() > heartbeatTimeoutMs) {
    reasons.push(`last heartbeat older than ${heartbeatTimeoutMs} ms`);
  }
  if (node.metrics !== null) reasons.push(...thresholdBreaches(node.metrics));
  return { healthy: reasons.length === 0, reasons };
}

/** A cluster is healthy when no node is unhealthy or at least 80 % of its nodes are healthy. */
export function clusterIsHealthy(total: number, healthy: number): boolean {
  return total - healthy === 0 || healthy >= 0.8 * total;
}
