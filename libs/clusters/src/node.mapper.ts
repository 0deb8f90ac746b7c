import type { ClusterNodeDto } from './dto/cluster.dto';
import type { NodeResponseDto } from './dto/node.dto';
import { latestMetrics, type NodeView } from './nodes.service';

export function toNodeResponse(view: NodeView): NodeResponseDto {
  const n = view.node;
  return {
    id: n.id,
    name: n.name,
    environment: view.environment,
    labels: n.labels,
    kind: n.kind,
    status: n.status,
    statusReason: n.statusReason,
    statusChangedAt: n.statusChangedAt.toISOString(),
    lastHeartbeatAt: n.lastHeartbeatAt?.toISOString() ?? null,
    agentVersion: n.agentVersion,
    healthy: view.healthy,
    healthReasons: view.healthReasons,
    metrics: latestMetrics(n),
    modules: view.modules.map((m) => ({
      moduleName: m.moduleName,
      activeVersion: m.activeVersion,
      standbyVersion: m.standbyVersion,
      previousVersion: m.previousVersion,
      previousLoaded: m.previousLoaded,
      previousRetainedUntil: m.previousRetainedUntil?.toISOString() ?? null,
      state: m.state,
      ...(m.lastError === null ? {} : { lastError: m.lastError }),
      ...(m.desiredGeneration > 0
        ? {
            desiredActiveVersion: m.desiredActiveVersion,
            desiredStandbyVersion: m.desiredStandbyVersion,
            desiredPreviousVersion: m.desiredPreviousVersion,
          }
        : {}),
    })),
    registeredAt: n.registeredAt.toISOString(),
  };
}

export function toClusterNode(view: NodeView): ClusterNodeDto {
  const n = view.node;
  return {
    nodeId: n.id,
    hostname: n.name,
    status: n.status,
    lastHeartbeat: n.lastHeartbeatAt?.toISOString() ?? null,
    healthy: view.healthy,
    cpuUsage: n.cpuPercent,
    memoryUsage: n.memoryPercent,
    latency: n.latencyP95Ms,
    errorRate: n.errorRate,
    requestsPerSecond: n.requestsPerSecond,
    modules: Object.fromEntries(view.modules.map((m) => [m.moduleName, m.activeVersion])),
  };
}
