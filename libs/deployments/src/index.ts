import { CanaryMeasurementEntity } from './entities/canary-measurement.entity';
import { DeploymentStageEntity } from './entities/deployment-stage.entity';
import { DeploymentEntity } from './entities/deployment.entity';
import { NodeOperationEntity } from './entities/node-operation.entity';

export {
  analyseCanary,
  DEFAULT_THRESHOLDS,
  type AnalysisResult,
  type MetricSample,
} from './analysis/canary-analysis';
export { DEPLOYMENT_CLOCK, type DeploymentClock } from './clock';
export { DeploymentRunner } from './deployment-runner';
export { DeploymentStatus, StageStatus } from './deployment-state';
export { DeploymentsModule, type DeploymentsModuleOptions } from './deployments.module';
export { DeploymentsService } from './deployments.service';
export {
  APPROVAL_GATE,
  DEPLOYMENT_SCHEDULER,
  ENVIRONMENTS,
  NODE_FLEET,
  STRATEGY_NAMES,
  type ApprovalGatePort,
  type ApprovalPolicy,
  type DeploymentScheduler,
  type EnvironmentPolicy,
  type EnvironmentsPort,
  type GateDecision,
  type NodeFleetPort,
  type NodeOperationKind,
  type NodeOperationOutcome,
  type NodeOperationRequest,
  type StrategyName,
  type TargetNode,
  DEPLOYMENT_IMPACT,
  DEPLOYMENT_APPROVALS,
  type DeploymentApprovalsPort,
  type DeploymentApprovalView,
  type DeploymentImpactPort,
} from './ports';

/** Entities of the deployment engine, for the application's schema. */
export const DEPLOYMENT_ENTITIES = [
  DeploymentEntity,
  DeploymentStageEntity,
  NodeOperationEntity,
  CanaryMeasurementEntity,
];
