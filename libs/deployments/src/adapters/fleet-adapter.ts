import { Inject, Injectable } from '@nestjs/common';
import {
  EnvironmentsService,
  NODE_DRIVER,
  NodesService,
  type NodeDriver,
  type NodeRef,
  type NodeView,
} from '@hotswap/clusters';
import type { MetricSample } from '../analysis/canary-analysis';
import type {
  EnvironmentPolicy,
  EnvironmentsPort,
  NodeFleetPort,
  NodeOperationOutcome,
  NodeOperationRequest,
  TargetNode,
} from '../ports';

const PAGE = 1_000;
/** Statuses in which a node can take an operation at all. */
const UNREACHABLE = new Set(['Unknown', 'Stopped']);

/** The fleet (libs/clusters) behind the engine's node and environment ports. */
@Injectable()
export class FleetAdapter implements NodeFleetPort, EnvironmentsPort {
  /** Node references by id, remembered from the last listing (operations need the node's kind). */
  private readonly refs = new Map<string, NodeRef>();

  constructor(
    @Inject(NodesService) private readonly nodes: NodesService,
    @Inject(EnvironmentsService) private readonly environmentsService: EnvironmentsService,
    @Inject(NODE_DRIVER) private readonly driver: NodeDriver,
  ) {}

  async list(): Promise<EnvironmentPolicy[]> {
    const rows = await this.environmentsService.list();
    return rows
      .map((e) => ({
        name: e.name,
        rank: e.rank,
        defaultStrategy: e.defaultStrategy,
        strategyDefaults: { ...e.strategyDefaults },
        approvalPolicy: e.approvalPolicy,
        requireSignedModules: e.requireSignedModules,
        maxConcurrentDeployments: e.maxConcurrentDeployments,
        frozen: e.frozen,
        frozenReason: e.frozenReason,
      }))
      .sort((a, b) => a.rank - b.rank);
  }

  async nodesOf(environment: string, moduleName: string): Promise<TargetNode[]> {
    const views: NodeView[] = [];
    let after: { name: string; id: string } | undefined;
    for (;;) {
      const page = await this.nodes.list({ environment }, after, PAGE);
      views.push(...page);
      const last = page[page.length - 1];
      if (page.length < PAGE || last === undefined) break;
      after = { name: last.node.name, id: last.node.id };
    }
    return views
      .filter((v) => v.node.status !== 'Draining')
      .map((v) => {
        this.refs.set(v.node.id, {
          id: v.node.id,
          name: v.node.name,
          kind: v.node.kind,
          environmentId: v.node.environmentId,
        });
        const slot = v.modules.find((m) => m.moduleName === moduleName);
        return {
          id: v.node.id,
          name: v.node.name,
          reachable: !UNREACHABLE.has(v.node.status),
          healthy: v.healthy,
          activeVersion: slot?.activeVersion ?? null,
          standbyVersion: slot?.standbyVersion ?? null,
          previousVersion: slot?.previousVersion ?? null,
        };
      });
  }

  private ref(node: { id: string; name: string }): NodeRef {
    const known = this.refs.get(node.id);
    if (known === undefined) throw new Error(`node ${node.name} is not part of a listed environment`);
    return known;
  }

  async execute(request: NodeOperationRequest): Promise<NodeOperationOutcome> {
    const node = this.ref(request.node);
    const version = request.version;
    let result;
    switch (request.kind) {
      case 'install':
        if (version === null) return { ok: false, error: 'no version to install' };
        result = await this.driver.install(node, request.moduleName, version);
        break;
      case 'stage':
        if (version === null) return { ok: false, error: 'no version to stage' };
        result = await this.driver.stage(node, request.moduleName, version);
        break;
      case 'activate':
        result = await this.driver.activate(node, request.moduleName);
        break;
      case 'unstage':
        result = await this.driver.unstage(node, request.moduleName);
        break;
      case 'rollback':
        // Guarded by the version being replaced, so a rollback resumed after a crash is a no-op.
        result = await this.driver.rollback(
          node,
          request.moduleName,
          request.node.activeVersion === null ? {} : { fromVersion: request.node.activeVersion },
        );
        break;
    }
    return result.ok ? { ok: true } : { ok: false, error: result.error ?? `${request.kind} failed` };
  }

  async health(
    nodeIds: readonly string[],
    moduleName: string,
  ): Promise<Map<string, { healthy: boolean; reason?: string }>> {
    const reports = await Promise.all(
      nodeIds.map(async (id) => {
        const ref = this.refs.get(id);
        if (ref === undefined) return [id, { healthy: false, reason: 'node no longer listed' }] as const;
        const report = await this.driver.health(ref, moduleName);
        return [
          id,
          report.healthy
            ? { healthy: true }
            : { healthy: false, reason: report.reasons.join('; ') || report.status },
        ] as const;
      }),
    );
    return new Map(reports);
  }

  async metrics(nodeIds: readonly string[], from: Date, to: Date): Promise<MetricSample[]> {
    const refs = nodeIds.map((id) => this.refs.get(id)).filter((r): r is NodeRef => r !== undefined);
    const means = await this.driver.metrics(refs, { from, to });
    // The analysis needs a sample count per node: each mean stands for the samples it is made of.
    return means.flatMap((m) =>
      Array.from({ length: m.samples }, () => ({
        nodeId: m.nodeId,
        errorRate: m.errorRate,
        latencyP95Ms: m.latencyP95Ms,
        cpuPercent: m.cpuPercent,
        memoryPercent: m.memoryPercent,
      })),
    );
  }
}
