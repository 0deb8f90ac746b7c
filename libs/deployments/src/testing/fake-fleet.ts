import type { MetricSample } from '../analysis/canary-analysis';
import type { NodeOperationKind, TargetNode } from '../ports';

/** One node of the in-memory fleet: slots as on a real node (deployments spec §3). */
export interface FakeNode {
  readonly id: string;
  readonly name: string;
  active: string | null;
  standby: string | null;
  previous: string | null;
  reachable: boolean;
}

export interface FakeFaults {
  /** Node names whose install / stage / activate fails. */
  readonly failOn?: Partial<Record<NodeOperationKind, readonly string[]>>;
  /** Node names that are unhealthy once they run (or stage) the new version. */
  readonly unhealthyOn?: readonly string[];
  /** Metrics of nodes running the new version. */
  readonly canaryMetrics?: Omit<MetricSample, 'nodeId'>;
}

export const HEALTHY_METRICS = { errorRate: 1, latencyP95Ms: 100, cpuPercent: 40, memoryPercent: 50 };

/**
 * A hand-written fake of the node driver port: idempotent desired-state operations on in-memory
 * nodes, with injectable failures, and a journal of every operation applied.
 */
export class FakeFleet {
  readonly nodes: FakeNode[];
  /**
   * Operations that changed a node (a resent, already-applied operation is not listed), with the
   * retention an install or activate asked for.
   */
  readonly journal: {
    kind: NodeOperationKind;
    node: string;
    version: string | null;
    retainPreviousSeconds?: number;
  }[] = [];
  faults: FakeFaults = {};
  /** The version under test: faults apply to nodes running (or staging) it. */
  newVersion = '2.1.0';

  constructor(count: number, initialVersion: string | null = '1.0.0') {
    this.nodes = Array.from({ length: count }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      name: `node-${String(i + 1).padStart(3, '0')}`,
      active: initialVersion,
      standby: null,
      previous: null,
      reachable: true,
    }));
  }

  targets(): TargetNode[] {
    return this.nodes.map((n) => ({
      id: n.id,
      name: n.name,
      reachable: n.reachable,
      healthy: n.reachable,
      activeVersion: n.active,
      standbyVersion: n.standby,
      previousVersion: n.previous,
    }));
  }

  byId(id: string): FakeNode {
    const node = this.nodes.find((n) => n.id === id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  versions(): Record<string, string | null> {
    return Object.fromEntries(this.nodes.map((n) => [n.name, n.active]));
  }

  execute(
    kind: NodeOperationKind,
    nodeId: string,
    version: string | null,
    options: { retainPreviousSeconds?: number } = {},
  ): { ok: boolean; error?: string } {
    const node = this.byId(nodeId);
    if (!node.reachable) return { ok: false, error: 'node unreachable' };
    if (this.faults.failOn?.[kind]?.includes(node.name)) return { ok: false, error: `${kind} failed` };
    // Desired state: an install of the version a node already runs changes nothing (a resent operation).
    if (kind === 'install' && node.active === version) return { ok: true };
    this.journal.push({ kind, node: node.name, version, ...options });
    switch (kind) {
      case 'install':
        node.previous = node.active;
        node.active = version;
        node.standby = null;
        return { ok: true };
      case 'stage':
        node.standby = version;
        return { ok: true };
      case 'unstage':
        node.standby = null;
        return { ok: true };
      case 'activate':
        if (node.standby === null) return { ok: node.active === version, error: 'nothing staged' };
        node.previous = node.active;
        node.active = node.standby;
        node.standby = null;
        return { ok: true };
      case 'rollback':
        if (node.previous === null) return { ok: true };
        node.active = node.previous;
        node.previous = null;
        return { ok: true };
    }
  }

  health(nodeId: string, newVersion: string): { healthy: boolean; reason?: string } {
    const node = this.byId(nodeId);
    if (!node.reachable) return { healthy: false, reason: 'heartbeat lost' };
    const runsNew = node.active === newVersion || node.standby === newVersion;
    if (runsNew && this.faults.unhealthyOn?.includes(node.name))
      return { healthy: false, reason: 'module health probe failed' };
    return { healthy: true };
  }

  metrics(nodeIds: readonly string[], newVersion: string, perNode = 3): MetricSample[] {
    return nodeIds.flatMap((id) => {
      const node = this.byId(id);
      const values =
        node.active === newVersion && this.faults.canaryMetrics !== undefined
          ? this.faults.canaryMetrics
          : HEALTHY_METRICS;
      return Array.from({ length: perNode }, () => ({ nodeId: id, ...values }));
    });
  }
}
