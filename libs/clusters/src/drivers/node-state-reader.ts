import { Inject, Injectable } from '@nestjs/common';
import type { NodeModuleEntity } from '../entities/node-module.entity';
import type { NodeEntity } from '../entities/node.entity';
import { MetricsRepository } from '../metrics.repository';
import { NodesRepository } from '../nodes.repository';
import { latestMetrics, NodesService } from '../nodes.service';
import type { MetricsWindow, NodeHealthReport, NodeRef, NodeWindowMetrics } from './node-driver';

/** Health and metrics come from stored heartbeats for every kind of node: one rule, any replica. */
@Injectable()
export class NodeStateReader {
  constructor(
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(NodesService) private readonly nodesService: NodesService,
    @Inject(MetricsRepository) private readonly metricsRepo: MetricsRepository,
  ) {}

  async health(node: NodeRef, moduleName?: string): Promise<NodeHealthReport> {
    const row = await this.nodes.findById(node.id);
    const module =
      row === null || moduleName === undefined ? null : await this.nodes.findModule(node.id, moduleName);
    return this.report(node.id, row, moduleName, module);
  }

  /** {@link health} of many nodes with two queries. */
  async healthMany(nodes: readonly NodeRef[], moduleName?: string): Promise<NodeHealthReport[]> {
    const ids = nodes.map((n) => n.id);
    const rows = new Map((await this.nodes.findByIds(ids)).map((r) => [r.id, r]));
    const modules =
      moduleName === undefined
        ? new Map<string, NodeModuleEntity>()
        : new Map((await this.nodes.modulesNamed(ids, moduleName)).map((m) => [m.nodeId, m]));
    return nodes.map((n) => this.report(n.id, rows.get(n.id) ?? null, moduleName, modules.get(n.id) ?? null));
  }

  private report(
    nodeId: string,
    row: NodeEntity | null,
    moduleName: string | undefined,
    module: NodeModuleEntity | null,
  ): NodeHealthReport {
    if (row === null) {
      return {
        nodeId,
        healthy: false,
        status: 'Stopped',
        reasons: ['node no longer exists'],
        lastHeartbeatAt: null,
        metrics: null,
      };
    }
    const { healthy, reasons } = this.nodesService.health(row);
    const all = [...reasons];
    if (moduleName !== undefined) {
      // A staged green slot counts: the first Blue-Green rollout of a module probes it before any
      // version is active, and its probe result is the slot's state.
      if (module === null || (module.activeVersion === null && module.standbyVersion === null))
        all.push(`${moduleName} is not running`);
      else if (module.state === 'Failed')
        all.push(`${moduleName} probe failed: ${module.lastError ?? 'failed'}`);
    }
    return {
      nodeId,
      healthy: healthy && all.length === reasons.length,
      status: row.status,
      reasons: all,
      lastHeartbeatAt: row.lastHeartbeatAt,
      metrics: latestMetrics(row),
    };
  }

  metrics(nodes: readonly NodeRef[], window: MetricsWindow): Promise<NodeWindowMetrics[]> {
    return this.metricsRepo.windowAverages(
      nodes.map((n) => n.id),
      window.from,
      window.to,
    );
  }
}
