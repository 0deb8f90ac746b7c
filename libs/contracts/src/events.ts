/**
 * The event catalogue (events spec §1): each type with its payload. Producers and consumers are
 * type-checked against this map.
 */
export interface EventPayloads {
  'module.published': { version: string; signed: boolean; sha256: string; publishedBy: string };
  'module.yanked': { version: string; signed: boolean; yanked: boolean; reason: string; by: string };
  'deployment.created': {
    kind: string;
    module: string;
    version: string;
    target: string;
    strategy: string | null;
    requestedBy: string;
  };
  'deployment.status_changed': { from: string; to: string; reason: string | null };
  'deployment.stage_changed': {
    stage: string;
    environment: string | null;
    status: string;
    message: string | null;
  };
  'deployment.progress': {
    environment: string;
    nodesTotal: number;
    nodesUpdated: number;
    nodesFailed: number;
    percent: number;
    wave: number;
    waves: number;
  };
  'deployment.analysis': {
    environment: string;
    wave: number;
    verdict: string;
    reason: string;
    metrics: Record<string, unknown>[];
    /** The threshold each metric was held to (percent increase), as in `metrics`. */
    thresholds: Record<string, number>;
  };
  'deployment.completed': { status: string; durationMs: number; rolledBack: boolean };
  'approval.requested': {
    requestId: string;
    environment: string;
    module: string;
    version: string;
    requestedBy: string;
    quorum: number;
    approverRoles: string[];
    expiresAt: string;
  };
  'approval.decided': {
    requestId: string;
    environment: string;
    decision: 'approved' | 'rejected';
    by: string;
    reason: string | null;
    /** The gate after this decision: still Pending (quorum not reached), Approved or Rejected. */
    status: string;
    approvals: number;
    quorum: number;
    expiresAt: string;
  };
  'approval.expired': {
    requestId: string;
    environment: string;
    decision: 'expired';
    by: 'system';
    reason: string;
    timeoutSeconds: number;
    expiresAt: string;
  };
  'node.registered': { name: string; kind: 'agent' | 'simulated'; status: string; reason: string };
  'node.status_changed': { name: string; from: string; status: string; reason: string };
  'node.heartbeat_lost': {
    name: string;
    status: string;
    reason: string;
    lastHeartbeatAt: string | null;
    timeoutMs: number;
  };
}

export type EventType = keyof EventPayloads;

/** Every event type once (a record, so a type added to the map without an entry is a compile error). */
const CATALOGUE: Readonly<Record<EventType, true>> = {
  'module.published': true,
  'module.yanked': true,
  'deployment.created': true,
  'deployment.status_changed': true,
  'deployment.stage_changed': true,
  'deployment.progress': true,
  'deployment.analysis': true,
  'deployment.completed': true,
  'approval.requested': true,
  'approval.decided': true,
  'approval.expired': true,
  'node.registered': true,
  'node.status_changed': true,
  'node.heartbeat_lost': true,
};

export const EVENT_TYPES: readonly EventType[] = Object.keys(CATALOGUE) as EventType[];

export function isEventType(value: string): value is EventType {
  return Object.prototype.hasOwnProperty.call(CATALOGUE, value);
}

/** The ids an event is about; they are columns of the event log so streams can filter on them. */
export interface EventSubject {
  readonly deploymentId?: string;
  readonly environment?: string;
  readonly nodeId?: string;
  readonly moduleName?: string;
}
