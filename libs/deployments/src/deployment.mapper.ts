import { allowedActions, type DeploymentStatus } from './deployment-state';
import type { DeploymentPlan } from './deployment-planner';
import type {
  DeploymentPlanDto,
  DeploymentResponseDto,
  DeploymentSummaryDto,
} from './dto/deployment.response.dto';
import type { CanaryMeasurementEntity } from './entities/canary-measurement.entity';
import type { DeploymentStageEntity } from './entities/deployment-stage.entity';
import type { DeploymentEntity } from './entities/deployment.entity';
import type { NodeOperationEntity } from './entities/node-operation.entity';
import type { DeploymentApprovalView } from './ports';

const iso = (date: Date | null) => (date === null ? null : date.toISOString());
const duration = (from: Date | null, to: Date | null) =>
  from === null || to === null ? null : to.getTime() - from.getTime();

export function toSummary(d: DeploymentEntity): DeploymentSummaryDto {
  return {
    id: d.id,
    kind: d.kind,
    moduleName: d.moduleName,
    version: d.version,
    targetEnvironment: d.targetEnvironment,
    strategy: d.strategy,
    status: d.status,
    statusReason: d.statusReason,
    requestedBy: d.requestedBy,
    description: d.description,
    createdAt: d.createdAt.toISOString(),
    startedAt: iso(d.startedAt),
    finishedAt: iso(d.finishedAt),
    durationMs: duration(d.startedAt ?? d.createdAt, d.finishedAt),
  };
}

/** The stage's unrestored nodes with their names (from its plan) and environment. */
function unrestoredOf(s: DeploymentStageEntity): { nodeId: string; nodeName: string; environment: string }[] {
  const names = new Map(s.plannedNodes.map((n) => [n.id, n.name]));
  return s.unrestoredNodeIds.map((nodeId) => ({
    nodeId,
    nodeName: names.get(nodeId) ?? nodeId,
    environment: s.environment ?? '',
  }));
}

export function toDetail(
  d: DeploymentEntity,
  stages: readonly DeploymentStageEntity[],
  measurements: readonly CanaryMeasurementEntity[],
  operations: readonly NodeOperationEntity[],
  approvals: readonly DeploymentApprovalView[] = [],
  rolledBackBy: readonly string[] = [],
): DeploymentResponseDto {
  return {
    ...toSummary(d),
    strategyParams: d.strategyParams,
    promotion: d.promotion,
    metadata: d.metadata,
    currentStage: stages[d.currentStage]?.name ?? null,
    stages: stages.map((s) => ({
      name: s.name,
      kind: s.kind,
      environment: s.environment,
      strategy: s.strategy,
      status: s.status,
      message: s.message,
      progress: {
        nodesTotal: s.nodesTotal,
        nodesUpdated: s.nodesUpdated,
        nodesFailed: s.nodesFailed,
        wave: s.wave,
        waves: s.waves,
      },
      startedAt: iso(s.startedAt),
      finishedAt: iso(s.finishedAt),
      durationMs: duration(s.startedAt, s.finishedAt),
      unrestoredNodes: unrestoredOf(s),
    })),
    canaryMeasurements: measurements.map((m) => ({
      environment: m.environment,
      wave: m.wave,
      verdict: m.verdict,
      reason: m.reason,
      metrics: m.comparisons,
      canarySamples: m.canarySamples,
      baselineSamples: m.baselineSamples,
      windowFrom: m.windowFrom.toISOString(),
      windowTo: m.windowTo.toISOString(),
      at: m.createdAt.toISOString(),
    })),
    nodeResults: operations.map((o) => ({
      nodeId: o.nodeId,
      nodeName: o.nodeName,
      environment: o.environment,
      operation: o.kind,
      step: o.step,
      fromVersion: o.fromVersion,
      toVersion: o.toVersion,
      status: o.status,
      error: o.error,
    })),
    approvals: approvals.map((a) => ({
      environment: a.environment,
      status: a.status,
      quorum: a.quorum,
      approvals: a.approvals,
      approverRoles: [...a.approverRoles],
      requestedAt: a.requestedAt.toISOString(),
      expiresAt: a.expiresAt.toISOString(),
      closedAt: iso(a.closedAt),
      closedBy: a.closedBy,
      closeReason: a.closeReason,
      decisions: a.decisions.map((x) => ({
        by: x.by,
        decision: x.decision,
        reason: x.reason,
        at: x.at.toISOString(),
      })),
    })),
    allowedActions: allowedActions(d.status as DeploymentStatus),
    needsReconciliation: stages.flatMap(unrestoredOf),
    rollbackOf: d.rollbackOf,
    rolledBackBy: [...rolledBackBy],
    retryOf: d.retryOf,
    traceId: d.traceId,
  };
}

export function toPlan(plan: DeploymentPlan, conflicts: readonly string[]): DeploymentPlanDto {
  return {
    moduleName: plan.moduleName,
    version: plan.version,
    targetEnvironment: plan.targetEnvironment,
    stages: plan.stages.map((s) => ({
      name: s.kind === 'environment' ? `Deploy to ${s.name}` : s.name,
      kind: s.kind,
      environment: s.environment,
      strategy: s.strategy,
      params: s.params,
      gate: s.gate,
      skip: s.skip,
      waves: s.waves.map((w) => [...w]),
      estimatedSeconds: s.estimatedSeconds,
    })),
    gates: plan.stages.filter((s) => s.gate).map((s) => s.name),
    estimatedDurationSeconds: plan.stages
      .filter((s) => !s.skip)
      .reduce((sum, s) => sum + s.estimatedSeconds, 0),
    conflicts: [...conflicts],
  };
}
