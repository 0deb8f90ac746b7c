import { Inject, Injectable } from '@nestjs/common';
import {
  EnvironmentsService,
  NODE_DRIVER,
  NodesService,
  type NodeDriver,
  type NodeOperationItem,
  type NodeOperationResult,
  type NodeRef,
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
    const rows = await this.nodes.withModule(environment, moduleName);
    return rows
      .filter((r) => r.node.status !== 'Draining')
      .map(({ node, module, healthy }) => {
        this.refs.set(node.id, {
          id: node.id,
          name: node.name,
          kind: node.kind,
          environmentId: node.environmentId,
        });
        return {
          id: node.id,
          name: node.name,
          reachable: !UNREACHABLE.has(node.status),
          healthy,
          activeVersion: module?.activeVersion ?? null,
          standbyVersion: module?.standbyVersion ?? null,
          previousVersion: module?.previousVersion ?? null,
        };
      });
  }

  flagUnrestored(nodeIds: readonly string[], moduleName: string, note: string): Promise<void> {
    return this.nodes.flagModule(nodeIds, moduleName, note);
  }

  async execute(request: NodeOperationRequest): Promise<NodeOperationOutcome> {
    const [outcome] = await this.executeMany([request]);
    return outcome ?? { ok: false, error: `${request.kind} failed` };
  }

  /** Operations of one module on many nodes: one batch for the node driver. */
  async executeMany(requests: readonly NodeOperationRequest[]): Promise<NodeOperationOutcome[]> {
    const outcomes: NodeOperationOutcome[] = requests.map(() => ({ ok: false, error: 'not run' }));
    const byModule = new Map<string, { index: number; item: NodeOperationItem }[]>();
    requests.forEach((request, index) => {
      const known = this.refs.get(request.node.id);
      if (known === undefined) {
        outcomes[index] = {
          ok: false,
          error: `node ${request.node.name} is not part of a listed environment`,
        };
        return;
      }
      const operation = slotOperation(request);
      if (typeof operation === 'string') {
        outcomes[index] = { ok: false, error: operation };
        return;
      }
      const list = byModule.get(request.moduleName) ?? [];
      list.push({ index, item: { node: known, operation } });
      byModule.set(request.moduleName, list);
    });
    for (const [moduleName, entries] of byModule) {
      const results = await this.batch(
        moduleName,
        entries.map((e) => e.item),
      );
      entries.forEach((entry, k) => {
        const result = results[k];
        outcomes[entry.index] =
          result === undefined
            ? { ok: false, error: 'no answer from the node driver' }
            : result.ok
              ? { ok: true }
              : { ok: false, error: result.error ?? `${entry.item.operation.op} failed` };
      });
    }
    return outcomes;
  }

  private batch(moduleName: string, items: NodeOperationItem[]): Promise<NodeOperationResult[]> {
    if (this.driver.operateMany !== undefined) return this.driver.operateMany(moduleName, items);
    return Promise.all(
      items.map(({ node, operation }) => {
        switch (operation.op) {
          case 'install':
            return this.driver.install(node, moduleName, operation.version, retainOf(operation));
          case 'stage':
            return this.driver.stage(node, moduleName, operation.version);
          case 'activate':
            return this.driver.activate(node, moduleName, retainOf(operation));
          case 'unstage':
            return this.driver.unstage(node, moduleName);
          case 'rollback':
            return this.driver.rollback(
              node,
              moduleName,
              operation.fromVersion === undefined ? {} : { fromVersion: operation.fromVersion },
            );
        }
      }),
    );
  }

  async health(
    nodeIds: readonly string[],
    moduleName: string,
  ): Promise<Map<string, { healthy: boolean; reason?: string }>> {
    const out = new Map<string, { healthy: boolean; reason?: string }>();
    const refs: NodeRef[] = [];
    for (const id of nodeIds) {
      const ref = this.refs.get(id);
      if (ref === undefined) out.set(id, { healthy: false, reason: 'node no longer listed' });
      else refs.push(ref);
    }
    const reports =
      this.driver.healthMany === undefined
        ? await Promise.all(refs.map((ref) => this.driver.health(ref, moduleName)))
        : await this.driver.healthMany(refs, moduleName);
    for (const report of reports) {
      out.set(
        report.nodeId,
        report.healthy
          ? { healthy: true }
          : { healthy: false, reason: report.reasons.join('; ') || report.status },
      );
    }
    return out;
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

/** The slot operation a request asks for, or why it cannot be sent. */
function slotOperation(request: NodeOperationRequest): NodeOperationItem['operation'] | string {
  switch (request.kind) {
    case 'install':
      return request.version === null
        ? 'no version to install'
        : { op: 'install', version: request.version, ...retainOf(request) };
    case 'stage':
      return request.version === null ? 'no version to stage' : { op: 'stage', version: request.version };
    case 'activate':
      return { op: 'activate', ...retainOf(request) };
    case 'unstage':
      return { op: 'unstage' };
    case 'rollback':
      // Guarded by the version being replaced, so a rollback resumed after a crash is a no-op.
      return request.node.activeVersion === null
        ? { op: 'rollback' }
        : { op: 'rollback', fromVersion: request.node.activeVersion };
  }
}

/** The retention a request or an operation carries (none: the driver's default). */
function retainOf(carrier: { readonly retainPreviousSeconds?: number }): { retainPreviousSeconds?: number } {
  return carrier.retainPreviousSeconds === undefined
    ? {}
    : { retainPreviousSeconds: carrier.retainPreviousSeconds };
}
