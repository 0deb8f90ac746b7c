import { Inject, Injectable } from '@nestjs/common';
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
    if (row === null) {
      return {
        nodeId: node.id,
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
      const module = await this.nodes.findModule(node.id, moduleName);
      if (module === null || module.activeVersion === null) all.push(`${moduleName} is not running`);
      else if (module.state === 'Failed')
        all.push(`${moduleName} probe failed: ${module.lastError ?? 'failed'}`);
    }
    return {
      nodeId: node.id,
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
