import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { applySlotOperation, EMPTY_SLOTS, type ModuleSlots, type SlotOperation } from '../module-slots';
import { NodesRepository } from '../nodes.repository';
import { SimulatedFleet } from '../simulation/simulated-fleet';
import type {
  MetricsWindow,
  NodeDriver,
  NodeHealthReport,
  NodeOperationResult,
  NodeRef,
  NodeWindowMetrics,
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
  ) {}

  install(node: NodeRef, moduleName: string, version: string) {
    return this.operate(node, moduleName, { op: 'install', version });
  }

  stage(node: NodeRef, moduleName: string, version: string) {
    return this.operate(node, moduleName, { op: 'stage', version });
  }

  activate(node: NodeRef, moduleName: string) {
    return this.operate(node, moduleName, { op: 'activate' });
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
    // The probe covers the active slot and a staged (green) one: a faulted version fails it in either.
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
    const started = Date.now();
    const done = (ok: boolean, slots: ModuleSlots | null, error?: string): NodeOperationResult => ({
      nodeId: node.id,
      ok,
      ...(error === undefined ? {} : { error }),
      slots,
      durationMs: Date.now() - started,
    });
    try {
      const row = await this.nodes.findById(node.id);
      if (row === null) return done(false, null, 'node no longer exists');
      if (row.status === 'Unknown' || row.status === 'Stopped')
        return done(false, null, `node is unreachable (${row.status})`);
      const stored = await this.nodes.findModule(node.id, moduleName);
      const current: ModuleSlots = stored ?? EMPTY_SLOTS;
      if (operation.op === 'install' || operation.op === 'stage') {
        await this.fleet.refreshFaults();
        const delay = this.fleet.installDelayMs(moduleName, operation.version);
        if (delay > 0) await sleep(delay);
        if (this.fleet.installFails(row, moduleName, operation.version)) {
          const error = `${operation.op} of ${moduleName}@${operation.version} failed (simulated fault)`;
          await this.fleet.slotWriter.add({
            ...current,
            nodeId: node.id,
            moduleName,
            state: current.state,
            lastError: error,
          });
          return done(false, current, error);
        }
      }
      const outcome = applySlotOperation(current, operation);
      if (!outcome.ok) return done(false, current, outcome.error);
      await this.fleet.slotWriter.add({ ...outcome.slots, nodeId: node.id, moduleName, lastError: null });
      this.fleet.setActive(node.id, moduleName, outcome.slots.activeVersion);
      return done(true, outcome.slots);
    } catch (error) {
      return done(false, null, error instanceof Error ? error.message : String(error));
    }
  }
}
