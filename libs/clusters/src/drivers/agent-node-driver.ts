import { Inject, Injectable } from '@nestjs/common';
import { DesiredStateService } from '../desired-state.service';
import { NodesRepository } from '../nodes.repository';
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

type Desired = { active: string | null; standby: string | null };

/**
 * Drives agents through their persisted desired state: an operation sets the module's desired slots,
 * the replica holding the node's socket pushes them, and the operation completes when the agent
 * reports on that generation (or fails after AGENT_OPERATION_TIMEOUT_MS).
 */
@Injectable()
export class AgentNodeDriver implements NodeDriver {
  constructor(
    @Inject(DesiredStateService) private readonly desired: DesiredStateService,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(NodeStateReader) private readonly reader: NodeStateReader,
  ) {}

  install(node: NodeRef, moduleName: string, version: string) {
    return this.operate(node, moduleName, () => ({ active: version, standby: null }));
  }

  stage(node: NodeRef, moduleName: string, version: string) {
    return this.operate(node, moduleName, (slots) => ({ active: slots.activeVersion, standby: version }));
  }

  activate(node: NodeRef, moduleName: string) {
    return this.operate(node, moduleName, (slots) =>
      slots.standbyVersion === null
        ? 'nothing is staged to activate'
        : { active: slots.standbyVersion, standby: null },
    );
  }

  unstage(node: NodeRef, moduleName: string) {
    return this.operate(node, moduleName, (slots) => ({ active: slots.activeVersion, standby: null }));
  }

  rollback(node: NodeRef, moduleName: string, options: RollbackOptions = {}) {
    return this.operate(node, moduleName, (slots) =>
      options.fromVersion !== undefined && slots.activeVersion !== options.fromVersion
        ? { active: slots.activeVersion, standby: null }
        : { active: slots.previousVersion, standby: null },
    );
  }

  health(node: NodeRef, moduleName?: string): Promise<NodeHealthReport> {
    return this.reader.health(node, moduleName);
  }

  metrics(nodes: readonly NodeRef[], window: MetricsWindow): Promise<NodeWindowMetrics[]> {
    return this.reader.metrics(nodes, window);
  }

  private async operate(
    node: NodeRef,
    moduleName: string,
    plan: (slots: {
      activeVersion: string | null;
      standbyVersion: string | null;
      previousVersion: string | null;
    }) => Desired | string,
  ): Promise<NodeOperationResult> {
    const started = Date.now();
    const fail = (error: string): NodeOperationResult => ({
      nodeId: node.id,
      ok: false,
      error,
      slots: null,
      durationMs: Date.now() - started,
    });
    try {
      const row = await this.nodes.findById(node.id);
      if (row === null) return fail('node no longer exists');
      if (row.status === 'Unknown' || row.status === 'Stopped')
        return fail(`node is unreachable (${row.status})`);
      const current = (await this.nodes.findModule(node.id, moduleName)) ?? {
        activeVersion: null,
        standbyVersion: null,
        previousVersion: null,
      };
      const desired = plan(current);
      if (typeof desired === 'string') return fail(desired);
      const generation = await this.desired.set(node.id, moduleName, desired);
      const outcome = await this.desired.awaitReport(node.id, moduleName, generation);
      return { nodeId: node.id, ...outcome, durationMs: Date.now() - started };
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
  }
}
