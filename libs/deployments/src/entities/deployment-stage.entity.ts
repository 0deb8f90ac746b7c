import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { DeploymentEntity } from './deployment.entity';

export type StageKind = 'validate' | 'verify' | 'environment' | 'complete';
/** Where an environment stage is: skip check → approval gate → deploy → post-deploy verify. */
export type StagePhase = 'start' | 'gate' | 'deploy' | 'verify' | 'rollback' | 'done';

export interface PlannedNodeSnapshot {
  readonly id: string;
  readonly name: string;
  readonly activeVersion: string | null;
}

@Entity({ name: 'deployment_stages' })
@Index('uq_deployment_stages_position', ['deploymentId', 'position'], { unique: true })
export class DeploymentStageEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  deploymentId: string;

  @ManyToOne(() => DeploymentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'deployment_id' })
  deployment?: Relation<DeploymentEntity>;

  @Column({ type: 'integer' })
  position: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  kind: StageKind;

  @Column({ type: 'varchar', length: 64, nullable: true })
  environment: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  strategy: string | null;

  @Column({ type: 'jsonb', default: {} })
  params: Record<string, unknown>;

  @Column({ type: 'varchar', length: 24 })
  status: string;

  @Column({ type: 'varchar', length: 16, default: 'start' })
  phase: StagePhase;

  @Column({ type: 'text', nullable: true })
  message: string | null;

  /** The nodes the stage works on, fixed when it starts deploying (stable across resumes). */
  @Column({ type: 'jsonb', default: [] })
  plannedNodes: PlannedNodeSnapshot[];

  /** The strategy's durable state. */
  @Column({ type: 'jsonb', default: {} })
  strategyState: Record<string, unknown>;

  @Column({ type: 'jsonb', default: [] })
  updatedNodeIds: string[];

  /** Nodes the stage changed and could not put back after a failure (flagged for reconciliation). */
  @Column({ type: 'jsonb', default: [] })
  unrestoredNodeIds: string[];

  @Column({ type: 'timestamptz', nullable: true })
  waitUntil: Date | null;

  @Column({ type: 'integer', default: 0 })
  nodesTotal: number;

  @Column({ type: 'integer', default: 0 })
  nodesUpdated: number;

  @Column({ type: 'integer', default: 0 })
  nodesFailed: number;

  @Column({ type: 'integer', default: 0 })
  wave: number;

  @Column({ type: 'integer', default: 0 })
  waves: number;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
