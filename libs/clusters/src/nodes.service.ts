import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { ClusterErrorCode, Clock, type Principal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { ClusterError, environmentNotFound, nodeNotFound } from './clusters.errors';
import { EnvironmentEntity } from './entities/environment.entity';
import type { NodeModuleEntity } from './entities/node-module.entity';
import { NodeEntity } from './entities/node.entity';
import { ENVIRONMENT_NAME_PATTERN, environmentKey } from './environment-policy';
import { EnvironmentsService } from './environments.service';
import { FleetAudit } from './fleet-audit';
import { NodeTransitions } from './node-transitions';
import { evaluateHealth, type NodeMetrics } from './node-status';
import { NodesRepository, type NodeFilter } from './nodes.repository';

export interface NodeView {
  readonly node: NodeEntity;
  readonly environment: string;
  readonly modules: NodeModuleEntity[];
  readonly healthy: boolean;
  readonly healthReasons: string[];
}

export function latestMetrics(node: NodeEntity): NodeMetrics | null {
  if (
    node.cpuPercent === null ||
    node.memoryPercent === null ||
    node.latencyP95Ms === null ||
    node.errorRate === null ||
    node.requestsPerSecond === null
  ) {
    return null;
  }
  return {
    cpuPercent: node.cpuPercent,
    memoryPercent: node.memoryPercent,
    latencyP95Ms: node.latencyP95Ms,
    errorRate: node.errorRate,
    requestsPerSecond: node.requestsPerSecond,
  };
}

/** The node registry: reading nodes, draining and decommissioning them. */
@Injectable()
export class NodesService {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Database) private readonly database: Database,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(EnvironmentsService) private readonly environments: EnvironmentsService,
    @Inject(NodeTransitions) private readonly transitions: NodeTransitions,
    @Inject(FleetAudit) private readonly audit: FleetAudit,
  ) {}

  health(node: NodeEntity): { healthy: boolean; reasons: string[] } {
    return evaluateHealth(
      { status: node.status, lastHeartbeatAt: node.lastHeartbeatAt, metrics: latestMetrics(node) },
      this.clock.now(),
      this.config.fleet.heartbeatTimeoutMs,
    );
  }

  async list(
    filter: Omit<NodeFilter, 'environmentId'> & { environment?: string },
    after: { name: string; id: string } | undefined,
    limit: number,
  ): Promise<NodeView[]> {
    const environmentId =
      filter.environment === undefined ? undefined : (await this.environments.get(filter.environment)).id;
    const rows = await this.nodes.list({ ...filter, environmentId }, after, limit);
    return this.views(rows);
  }

  /**
   * Every node of an environment (by name, then id) with one module's slots and its health, in two
   * queries: what the deployment engine reads at each step, for fleets of any size.
   */
  async withModule(
    environment: string,
    moduleName: string,
  ): Promise<{ node: NodeEntity; module: NodeModuleEntity | null; healthy: boolean }[]> {
    // The environment and its nodes in one query (an unknown environment is still not found).
    const found = ENVIRONMENT_NAME_PATTERN.test(environment)
      ? await this.database
          .repository(EnvironmentEntity)
          .createQueryBuilder('e')
          .leftJoinAndMapMany('e.nodes', NodeEntity, 'n', 'n.environmentId = e.id')
          .where('e.nameKey = :key', { key: environmentKey(environment) })
          .getOne()
      : null;
    if (found === null) throw environmentNotFound(environment);
    const rows = [...((found as EnvironmentEntity & { nodes?: NodeEntity[] }).nodes ?? [])];
    rows.sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    const modules = new Map(
      (
        await this.nodes.modulesNamed(
          rows.map((r) => r.id),
          moduleName,
        )
      ).map((m) => [m.nodeId, m]),
    );
    return rows.map((node) => ({
      node,
      module: modules.get(node.id) ?? null,
      healthy: this.health(node).healthy,
    }));
  }

  /**
   * Flags one module on nodes that need an operator (e.g. a rollback that could not restore them): the
   * note shows as the module's `lastError` until the next successful operation on it. Joins the
   * caller's transaction.
   */
  async flagModule(nodeIds: readonly string[], moduleName: string, note: string): Promise<void> {
    await this.nodes.noteModuleError(nodeIds, moduleName, note, this.clock.now());
  }

  async views(rows: NodeEntity[]): Promise<NodeView[]> {
    const modules = await this.nodes.modulesOf(rows.map((r) => r.id));
    const byNode = new Map<string, NodeModuleEntity[]>();
    for (const m of modules) byNode.set(m.nodeId, [...(byNode.get(m.nodeId) ?? []), m]);
    const out: NodeView[] = [];
    for (const node of rows) {
      const { healthy, reasons } = this.health(node);
      out.push({
        node,
        environment: await this.environments.nameOf(node.environmentId),
        modules: byNode.get(node.id) ?? [],
        healthy,
        healthReasons: reasons,
      });
    }
    return out;
  }

  async get(id: string): Promise<NodeView> {
    const node = await this.find(id);
    const [view] = await this.views([node]);
    if (view === undefined) throw nodeNotFound(id);
    return view;
  }

  async find(id: string): Promise<NodeEntity> {
    const node = /^[0-9a-f-]{36}$/i.test(id) ? await this.nodes.findById(id) : null;
    if (node === null) throw nodeNotFound(id);
    return node;
  }

  /** Takes a node out of rotation: it keeps heartbeating but is `Draining` until decommissioned. */
  async drain(id: string, reason: string | undefined, principal: Principal): Promise<NodeView> {
    await this.database.transaction(async () => {
      const node = await this.find(id);
      if (node.status === 'Draining' || node.status === 'Stopped') {
        throw new ClusterError(
          ClusterErrorCode.NodeStateConflict,
          `Node '${node.name}' is already ${node.status}.`,
        );
      }
      const why = reason ?? `drained by ${principal.username ?? principal.id}`;
      const from = await this.nodes.setStatus(id, 'Draining', why, this.clock.now());
      if (from === null) throw nodeNotFound(id);
      await this.transitions.record(
        [{ ...node, from, to: 'Draining', reason: why, lastHeartbeatAt: node.lastHeartbeatAt }],
        principal,
        'operator',
      );
    });
    return this.get(id);
  }

  /** Removes a node: its credential stops working, its module state is deleted. */
  async decommission(id: string, principal: Principal): Promise<void> {
    await this.database.transaction(async () => {
      const node = await this.find(id);
      await this.nodes.delete(id);
      await this.transitions.record(
        [
          {
            ...node,
            from: node.status,
            to: 'Stopped',
            reason: 'decommissioned',
            lastHeartbeatAt: node.lastHeartbeatAt,
          },
        ],
        principal,
        'operator',
      );
      await this.audit.record({
        action: 'node.decommission',
        result: 'success',
        actor: principal,
        resource: { type: 'node', id },
        details: { name: node.name, kind: node.kind },
      });
    });
  }
}
