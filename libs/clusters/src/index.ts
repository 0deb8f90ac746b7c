import { EnrollmentTokenEntity } from './entities/enrollment-token.entity';
import { EnvironmentEntity } from './entities/environment.entity';
import { NodeMetricSampleEntity } from './entities/node-metric-sample.entity';
import { NodeModuleEntity } from './entities/node-module.entity';
import { NodeEntity } from './entities/node.entity';
import { SimulationFaultsEntity } from './entities/simulation-faults.entity';

export { AGENT_PATH, AGENT_PROTOCOL_VERSION, CloseCode } from './agent/agent-protocol';
export { AgentGateway } from './agent/agent.gateway';
export { ClustersModule } from './clusters.module';
export {
  ClustersService,
  MAX_METRIC_POINTS,
  METRIC_INTERVALS,
  type MetricInterval,
} from './clusters.service';
export { DesiredStateService, type DesiredState } from './desired-state.service';
export { AgentNodeDriver } from './drivers/agent-node-driver';
export { FleetNodeDriver } from './drivers/fleet-node-driver';
export {
  NODE_DRIVER,
  type MetricsWindow,
  type NodeDriver,
  type NodeHealthReport,
  type NodeOperationItem,
  type NodeOperationResult,
  type NodeRef,
  type NodeWindowMetrics,
  type RetainOptions,
  type RollbackOptions,
} from './drivers/node-driver';
export { SimulatedNodeDriver } from './drivers/simulated-node-driver';
export {
  ENVIRONMENT_NAME_PATTERN,
  SEEDED_ENVIRONMENTS,
  STRATEGY_NAMES,
  type ApprovalPolicy,
  type EnvironmentPolicy,
  type StrategyDefaults,
  type StrategyName,
} from './environment-policy';
export { EnvironmentsService } from './environments.service';
export { FleetAudit, type FleetAuditEntry } from './fleet-audit';
export { FleetScheduler } from './fleet-scheduler';
export { HeartbeatIngestor, type Heartbeat } from './heartbeat-ingestor';
export { HeartbeatMonitor } from './heartbeat-monitor';
export { PREVIOUS_UNLOAD_JOB, PreviousSlotRetention } from './previous-slot-retention';
export {
  applySlotOperation,
  DEFAULT_RETAIN_PREVIOUS_SECONDS,
  EMPTY_SLOTS,
  type ModuleSlots,
  type ModuleSlotState,
  type SlotOperation,
} from './module-slots';
export {
  clusterIsHealthy,
  evaluateHealth,
  HEALTH_THRESHOLDS,
  NODE_KINDS,
  NODE_STATUSES,
  statusFromMetrics,
  type NodeKind,
  type NodeMetrics,
  type NodeStatus,
} from './node-status';
export { FleetNodeCredentials } from './node-credential.authenticator';
export { NodesService, type NodeView } from './nodes.service';
export type { FaultProfile } from './simulation/fault-profiles';
export { baselineMetrics, simulatedMetrics } from './simulation/sim-metrics';
export { SimulatedFleet, simulatedNodeName } from './simulation/simulated-fleet';

/** Entities of the fleet, for the application's schema. */
export const CLUSTER_ENTITIES = [
  EnvironmentEntity,
  NodeEntity,
  NodeModuleEntity,
  NodeMetricSampleEntity,
  EnrollmentTokenEntity,
  SimulationFaultsEntity,
];
