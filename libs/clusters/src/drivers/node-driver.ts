import type { ModuleSlots, SlotOperation } from '../module-slots';
import type { NodeKind, NodeMetrics, NodeStatus } from '../node-status';

/** The node an operation is for (what the deployment engine holds about it). */
export interface NodeRef {
  readonly id: string;
  readonly name: string;
  readonly kind: NodeKind;
  readonly environmentId: string;
}

/** The outcome of one node operation. A node that cannot be reached fails (`ok: false`). */
export interface NodeOperationResult {
  readonly nodeId: string;
  readonly ok: boolean;
  readonly error?: string;
  /** The module's slots after the operation, as persisted (null when the node has none). */
  readonly slots: ModuleSlots | null;
  readonly durationMs: number;
}

export interface NodeHealthReport {
  readonly nodeId: string;
  readonly healthy: boolean;
  readonly status: NodeStatus;
  /** Why it is not healthy (empty when healthy). */
  readonly reasons: string[];
  readonly lastHeartbeatAt: Date | null;
  readonly metrics: NodeMetrics | null;
}

export interface MetricsWindow {
  readonly from: Date;
  readonly to: Date;
}

/** A node's mean metrics over a window, and how many samples the mean is of. */
export interface NodeWindowMetrics extends NodeMetrics {
  readonly nodeId: string;
  readonly samples: number;
}

export interface RetainOptions {
  /**
   * How long the version leaving `active` stays loaded as `previous` (instant rollback) before the
   * fleet unloads it; DEFAULT_RETAIN_PREVIOUS_SECONDS when absent.
   */
  readonly retainPreviousSeconds?: number;
}

export interface RollbackOptions {
  /** Roll back only if this version is still active: a resumed rollback is then a no-op. */
  readonly fromVersion?: string;
}

/** One operation of a batch: the node and what to do with the module's slots there. */
export interface NodeOperationItem {
  readonly node: NodeRef;
  readonly operation: SlotOperation;
}

/**
 * The node operations of deployments spec §3, the port the deployment engine calls. Every operation
 * is idempotent in its effect (desired-state model): repeating it after a crash never applies a
 * version twice. Operations resolve (never reject) with `ok: false` on failure.
 */
export interface NodeDriver {
  /**
   * Load `version` into standby, verify, probe, switch active ← standby; the old active becomes
   * previous, loaded for `retainPreviousSeconds`.
   */
  install(
    node: NodeRef,
    moduleName: string,
    version: string,
    options?: RetainOptions,
  ): Promise<NodeOperationResult>;
  /** Blue-Green: load `version` into standby while active keeps serving. */
  stage(node: NodeRef, moduleName: string, version: string): Promise<NodeOperationResult>;
  /** Blue-Green: switch active ← standby; the old active becomes previous, loaded for `retainPreviousSeconds`. */
  activate(node: NodeRef, moduleName: string, options?: RetainOptions): Promise<NodeOperationResult>;
  /** Blue-Green: drop the standby slot. */
  unstage(node: NodeRef, moduleName: string): Promise<NodeOperationResult>;
  /**
   * Switch back to the previous version (no download while it is loaded; once unloaded it is loaded
   * again); with none, the module is removed.
   */
  rollback(node: NodeRef, moduleName: string, options?: RollbackOptions): Promise<NodeOperationResult>;
  /** Heartbeat freshness + thresholds, and (with a module) the module's own health probe. */
  health(node: NodeRef, moduleName?: string): Promise<NodeHealthReport>;
  /** Mean metrics per node over the window, from stored heartbeat samples (any replica). */
  metrics(nodes: readonly NodeRef[], window: MetricsWindow): Promise<NodeWindowMetrics[]>;
  /**
   * Optional batch form: the operations of many nodes for one module at once, with exactly the
   * semantics of calling them one by one (results in the order of `items`). A driver implements it
   * when it can do the batch with fewer round trips (the simulated fleet: one read and one write).
   */
  operateMany?(moduleName: string, items: readonly NodeOperationItem[]): Promise<NodeOperationResult[]>;
  /** Optional batch form of {@link health} (results in the order of `nodes`). */
  healthMany?(nodes: readonly NodeRef[], moduleName?: string): Promise<NodeHealthReport[]>;
}

/** DI token of the fleet's {@link NodeDriver}, which dispatches to the driver of each node's kind. */
export const NODE_DRIVER = Symbol('hotswap.NodeDriver');
