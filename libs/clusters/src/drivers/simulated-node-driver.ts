import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@hotswap/contracts';
import { applySlotOperation, EMPTY_SLOTS, type ModuleSlots, type SlotOperation } from '../module-slots';
import { NodesRepository } from '../nodes.repository';
import { SimulatedFleet } from '../simulation/simulated-fleet';
import type {
  MetricsWindow,
  NodeDriver,
  NodeHealthReport,
  NodeOperationItem,
  NodeOperationResult,
  NodeRef,
  NodeWindowMetrics,
  RetainOptions,
  RollbackOptions,
} from './node-driver';
import { NodeStateReader } from './node-state-reader';

/**
 * Applies operations to simulated nodes' persisted slots (the same slot semantics agents follow),
 * honouring the fault profiles: `failInstall`, `installDelayMs` (divided by the time scale) and,
 * through the generated metrics, `unhealthyAfterInstall`. Slot writes are batched across concurrent
 * operations; an operation resolves once its write is committed.
 */
@Injectable()
export class SimulatedNodeDriver implements NodeDriver {
  constructor(
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(SimulatedFleet) private readonly fleet: SimulatedFleet,
    @Inject(NodeStateReader) private readonly reader: NodeStateReader,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  install(node: NodeRef, moduleName: string, version: string, options: RetainOptions = {}) {
    return this.operate(node, moduleName, { op: 'install', version, ...options });
  }

  stage(node: NodeRef, moduleName: string, version: string) {
    return this.operate(node, moduleName, { op: 'stage', version });
  }

  activate(node: NodeRef, moduleName: string, options: RetainOptions = {}) {
    return this.operate(node, moduleName, { op: 'activate', ...options });
  }

  unstage(node: NodeRef, moduleName: string) {
    return this.operate(node, moduleName, { op: 'unstage' });
  }

  rollback(node: NodeRef, moduleName: string, options: RollbackOptions = {}) {
    return this.operate(node, moduleName, { op: 'rollback', ...options });
  }

  async health(node: NodeRef, moduleName?: string): Promise<NodeHealthReport> {
    const report = await this.reader.health(node, moduleName);
    if (moduleName === undefined) return report;
    const module = await this.nodes.findModule(node.id, moduleName);
    return this.withProbe(report, moduleName, module);
  }

  async healthMany(nodes: readonly NodeRef[], moduleName?: string): Promise<NodeHealthReport[]> {
    const reports = await this.reader.healthMany(nodes, moduleName);
    if (moduleName === undefined) return reports;
    const modules = new Map(
      (
        await this.nodes.modulesNamed(
          nodes.map((n) => n.id),
          moduleName,
        )
      ).map((m) => [m.nodeId, m]),
    );
    return reports.map((r) => this.withProbe(r, moduleName, modules.get(r.nodeId) ?? null));
  }

  /** The module's own probe: the active slot and a staged (green) one fail it under a faulted version. */
  private withProbe(
    report: NodeHealthReport,
    moduleName: string,
    module: ModuleSlots | null,
  ): NodeHealthReport {
    const fault = this.fleet.currentFaults.find(
      (f) =>
        f.moduleName === moduleName &&
        (f.version === module?.activeVersion || f.version === module?.standbyVersion) &&
        f.unhealthyAfterInstall === true,
    );
    if (fault === undefined) return report;
    return {
      ...report,
      healthy: false,
      reasons: [...report.reasons, `${moduleName}@${fault.version} fails its health probe (simulated fault)`],
    };
  }

  metrics(nodes: readonly NodeRef[], window: MetricsWindow): Promise<NodeWindowMetrics[]> {
    return this.reader.metrics(nodes, window);
  }

  private async operate(
    node: NodeRef,
    moduleName: string,
    operation: SlotOperation,
  ): Promise<NodeOperationResult> {
    const [result] = await this.operateMany(moduleName, [{ node, operation }]);
    if (result === undefined) throw new Error('no result for the operation');
    return result;
  }

  /**
   * The operations of many nodes with one read of their rows and slots, one fault refresh, one wait
   * for an install delay (the nodes install in parallel) and one batched slot write.
   */
  async operateMany(moduleName: string, items: readonly NodeOperationItem[]): Promise<NodeOperationResult[]> {
    const started = Date.now();
    const done = (
      nodeId: string,
      ok: boolean,
      slots: ModuleSlots | null,
      error?: string,
    ): NodeOperationResult => ({
      nodeId,
      ok,
      ...(error === undefined ? {} : { error }),
      slots,
      durationMs: Date.now() - started,
    });
    const ids = items.map((i) => i.node.id);
    try {
      const rows = new Map((await this.nodes.findByIds(ids)).map((r) => [r.id, r]));
      const stored = new Map((await this.nodes.modulesNamed(ids, moduleName)).map((m) => [m.nodeId, m]));
      const installing = items.flatMap((i) =>
        i.operation.op === 'install' || i.operation.op === 'stage' ? [i.operation.version] : [],
      );
      if (installing.length > 0) {
        await this.fleet.refreshFaults();
        const delay = Math.max(...installing.map((v) => this.fleet.installDelayMs(moduleName, v)));
        if (delay > 0) await sleep(delay);
      }
      const writes: Promise<void>[] = [];
      // Retention windows start when the batch is applied, on the fleet's clock.
      const now = this.clock.now();
      const results = items.map(({ node, operation }): NodeOperationResult => {
        const row = rows.get(node.id);
        if (row === undefined) return done(node.id, false, null, 'node no longer exists');
        if (row.status === 'Unknown' || row.status === 'Stopped')
          return done(node.id, false, null, `node is unreachable (${row.status})`);
        const current: ModuleSlots = stored.get(node.id) ?? EMPTY_SLOTS;
        if (
          (operation.op === 'install' || operation.op === 'stage') &&
          this.fleet.installFails(row, moduleName, operation.version)
        ) {
          const error = `${operation.op} of ${moduleName}@${operation.version} failed (simulated fault)`;
          writes.push(
            this.fleet.slotWriter.add({
              activeVersion: current.activeVersion,
              standbyVersion: current.standbyVersion,
              previousVersion: current.previousVersion,
              previousLoaded: current.previousLoaded,
              previousRetainedUntil: current.previousRetainedUntil,
              nodeId: node.id,
              moduleName,
              state: current.state,
              lastError: error,
            }),
          );
          return done(node.id, false, current, error);
        }
        const outcome = applySlotOperation(current, operation, now);
        if (!outcome.ok) return done(node.id, false, current, outcome.error);
        writes.push(
          this.fleet.slotWriter.add({ ...outcome.slots, nodeId: node.id, moduleName, lastError: null }),
        );
        return done(node.id, true, outcome.slots);
      });
      // The batch is complete: write it now rather than after the writer's flush interval.
      if (writes.length > 0) void this.fleet.slotWriter.flush();
      const written = await Promise.allSettled(writes);
      const failure = written.find((w) => w.status === 'rejected');
      if (failure !== undefined) throw failure.reason;
      for (const r of results)
        if (r.ok && r.slots !== null) this.fleet.setActive(r.nodeId, moduleName, r.slots.activeVersion);
      return results;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return items.map((i) => done(i.node.id, false, null, message));
    }
  }
}
