import { currentTraceId } from '@hotswap/observability';
import { DeploymentStatus, StageStatus } from './deployment-state';
import type { DeploymentStageEntity } from './entities/deployment-stage.entity';
import type { DeploymentEntity } from './entities/deployment.entity';

/** What a request decides of a new deployment; the rest of its row is the same for every one. */
export type NewDeployment = Pick<
  DeploymentEntity,
  | 'id'
  | 'kind'
  | 'moduleName'
  | 'version'
  | 'targetEnvironment'
  | 'strategy'
  | 'strategyParams'
  | 'promotion'
  | 'description'
  | 'metadata'
  | 'requestedBy'
  | 'rollbackOf'
  | 'retryOf'
>;

/** A deployment row as created: Queued at its first stage, no operator request, not started. */
export function newDeploymentRow(fields: NewDeployment): Omit<DeploymentEntity, 'createdAt' | 'updatedAt'> {
  return {
    ...fields,
    status: DeploymentStatus.Queued,
    statusReason: null,
    currentStage: 0,
    traceId: currentTraceId(),
    pauseRequested: false,
    promoteRequested: false,
    abortRequested: false,
    startedAt: null,
    finishedAt: null,
  };
}

/** What a plan decides of a new stage. */
export type NewStage = Pick<
  DeploymentStageEntity,
  | 'deploymentId'
  | 'position'
  | 'name'
  | 'kind'
  | 'environment'
  | 'strategy'
  | 'params'
  | 'nodesTotal'
  | 'waves'
>;

/** A stage row as created: Pending at its start, nothing planned, done or waited for yet. */
export function newStageRow(fields: NewStage): Omit<DeploymentStageEntity, 'id'> {
  return {
    ...fields,
    status: StageStatus.Pending,
    phase: 'start',
    message: null,
    plannedNodes: [],
    strategyState: {},
    updatedNodeIds: [],
    unrestoredNodeIds: [],
    waitUntil: null,
    nodesUpdated: 0,
    nodesFailed: 0,
    wave: 0,
    startedAt: null,
    finishedAt: null,
  };
}
