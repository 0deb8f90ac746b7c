import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PageMetaDto } from '@hotswap/http';
import { DEPLOYMENT_STATUSES } from '../deployment-state';

export class StageProgressDto {
  @ApiProperty() nodesTotal: number;
  @ApiProperty() nodesUpdated: number;
  @ApiProperty() nodesFailed: number;
  @ApiProperty() wave: number;
  @ApiProperty() waves: number;
}

export class UnrestoredNodeDto {
  @ApiProperty() nodeId: string;
  @ApiProperty() nodeName: string;
  @ApiProperty() environment: string;
}

export class DeploymentStageDto {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['validate', 'verify', 'environment', 'complete'] }) kind: string;
  @ApiPropertyOptional({ type: String, nullable: true }) environment: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) strategy: string | null;
  @ApiProperty({
    enum: [
      'Pending',
      'Running',
      'WaitingForApproval',
      'Succeeded',
      'Skipped',
      'Failed',
      'RolledBack',
      'Cancelled',
    ],
  })
  status: string;
  @ApiPropertyOptional({ type: String, nullable: true }) message: string | null;
  @ApiProperty({ type: StageProgressDto }) progress: StageProgressDto;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) startedAt: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) durationMs: number | null;
  @ApiProperty({
    type: [UnrestoredNodeDto],
    description: 'Nodes this stage changed and could not put back after its failure',
  })
  unrestoredNodes: UnrestoredNodeDto[];
}

export class CanaryMeasurementDto {
  @ApiProperty() environment: string;
  @ApiProperty() wave: number;
  @ApiProperty({ enum: ['pass', 'fail', 'inconclusive'] }) verdict: string;
  @ApiProperty() reason: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'metric, baseline, canary, increasePercent, threshold, passed',
  })
  metrics: Record<string, unknown>[];
  @ApiProperty() canarySamples: number;
  @ApiProperty() baselineSamples: number;
  @ApiProperty({ type: String, format: 'date-time' }) windowFrom: string;
  @ApiProperty({ type: String, format: 'date-time' }) windowTo: string;
  @ApiProperty({ type: String, format: 'date-time' }) at: string;
}

export class DeploymentApprovalDecisionDto {
  @ApiProperty() by: string;
  @ApiProperty({ enum: ['approved', 'rejected'] }) decision: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class DeploymentApprovalDto {
  @ApiProperty() environment: string;
  @ApiProperty({ description: 'Pending, Approved, Rejected, Expired or Cancelled' }) status: string;
  @ApiProperty() quorum: number;
  @ApiProperty({ description: 'Distinct users who approved' }) approvals: number;
  @ApiProperty({ type: [String] }) approverRoles: string[];
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) closedBy: string | null;
  @ApiProperty({ type: String, nullable: true }) closeReason: string | null;
  @ApiProperty({ type: [DeploymentApprovalDecisionDto] }) decisions: DeploymentApprovalDecisionDto[];
}

export class NodeResultDto {
  @ApiProperty() nodeId: string;
  @ApiProperty() nodeName: string;
  @ApiProperty() environment: string;
  @ApiProperty({ enum: ['install', 'stage', 'activate', 'unstage', 'rollback'] }) operation: string;
  @ApiProperty() step: string;
  @ApiPropertyOptional({ type: String, nullable: true }) fromVersion: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) toVersion: string | null;
  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'] }) status: string;
  @ApiPropertyOptional({ type: String, nullable: true }) error: string | null;
}

export class DeploymentSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['deploy', 'rollback'] }) kind: string;
  @ApiProperty() moduleName: string;
  @ApiProperty() version: string;
  @ApiProperty() targetEnvironment: string;
  @ApiPropertyOptional({ type: String, nullable: true }) strategy: string | null;
  @ApiProperty({ enum: DEPLOYMENT_STATUSES }) status: string;
  @ApiPropertyOptional({ type: String, nullable: true }) statusReason: string | null;
  @ApiProperty() requestedBy: string;
  @ApiPropertyOptional({ type: String, nullable: true }) description: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) startedAt: string | null;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) finishedAt: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true }) durationMs: number | null;
}

export class DeploymentResponseDto extends DeploymentSummaryDto {
  @ApiProperty({ type: 'object', additionalProperties: true }) strategyParams: Record<string, unknown>;
  @ApiProperty({ enum: ['full', 'target-only'] }) promotion: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata: Record<string, string>;
  @ApiPropertyOptional({ type: String, nullable: true, description: 'Name of the stage in progress' })
  currentStage: string | null;
  @ApiProperty({ type: [DeploymentStageDto] }) stages: DeploymentStageDto[];
  @ApiProperty({ type: [CanaryMeasurementDto] }) canaryMeasurements: CanaryMeasurementDto[];
  @ApiProperty({ type: [NodeResultDto], description: 'The node-operation log' }) nodeResults: NodeResultDto[];
  @ApiProperty({ type: [DeploymentApprovalDto], description: 'Approval gates opened so far, in order' })
  approvals: DeploymentApprovalDto[];
  @ApiProperty({ type: [String], description: 'Operator actions the current state allows' })
  allowedActions: string[];
  @ApiProperty({
    type: [UnrestoredNodeDto],
    description:
      'Nodes left changed by a failure whose rollback could not restore them (status Failed): each is flagged on the node (its module shows lastError) until reconciled',
  })
  needsReconciliation: UnrestoredNodeDto[];
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'For a rollback: the deployment it undoes',
  })
  rollbackOf: string | null;
  @ApiProperty({ type: [String], description: 'The rollback deployments that undo this one, oldest first' })
  rolledBackBy: string[];
  @ApiPropertyOptional({ type: String, nullable: true }) retryOf: string | null;
  @ApiProperty() traceId: string;
}

export class DeploymentPageDto extends PageMetaDto {
  @ApiProperty({ type: [DeploymentSummaryDto] }) items: DeploymentSummaryDto[];
}

export class PlannedStageDto {
  @ApiProperty() name: string;
  @ApiProperty() kind: string;
  @ApiPropertyOptional({ type: String, nullable: true }) environment: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) strategy: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) params: Record<string, unknown>;
  @ApiProperty({ description: 'An approval gate opens before this environment' }) gate: boolean;
  @ApiProperty({ description: 'Every node already runs the version: the stage will be skipped' })
  skip: boolean;
  @ApiProperty({
    type: 'array',
    items: { type: 'array', items: { type: 'string' } },
    description: 'Node names per wave, in order',
  })
  waves: string[][];
  @ApiProperty() estimatedSeconds: number;
}

export class DeploymentPlanDto {
  @ApiProperty() moduleName: string;
  @ApiProperty() version: string;
  @ApiProperty() targetEnvironment: string;
  @ApiProperty({ type: [PlannedStageDto] }) stages: PlannedStageDto[];
  @ApiProperty({ type: [String], description: 'Approval gates on the path' }) gates: string[];
  @ApiProperty() estimatedDurationSeconds: number;
  @ApiProperty({ type: [String], description: 'Active deployments that would block this one' })
  conflicts: string[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'What the change affects (knowledge graph impact: where it runs, dependents, active deployments)',
  })
  impact?: object;
}
