import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'deployments' })
@Index('idx_deployments_created', ['createdAt', 'id'])
@Index('idx_deployments_module_status', ['moduleName', 'status'])
// The unfinished few among a history that only grows: slot counts and active lookups by status.
@Index('idx_deployments_rollback_of', ['rollbackOf'], { where: '"rollback_of" IS NOT NULL' })
@Index('idx_deployments_unfinished', ['status'], {
  where: `"status" IN ('Queued', 'PendingApproval', 'Running', 'Paused')`,
})
export class DeploymentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 16 })
  kind: 'deploy' | 'rollback';

  @Column({ type: 'varchar', length: 64 })
  moduleName: string;

  @Column({ type: 'varchar', length: 256 })
  version: string;

  @Column({ type: 'varchar', length: 64 })
  targetEnvironment: string;

  /** The strategy the request asked for; null means each environment's default. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  strategy: string | null;

  @Column({ type: 'jsonb', default: {} })
  strategyParams: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16 })
  promotion: 'full' | 'target-only';

  @Column({ type: 'varchar', length: 1000, nullable: true })
  description: string | null;

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, string>;

  @Column({ type: 'varchar', length: 200 })
  requestedBy: string;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ type: 'text', nullable: true })
  statusReason: string | null;

  @Column({ type: 'integer', default: 0 })
  currentStage: number;

  /** For `kind: rollback`: the deployment whose changes it undoes. */
  @Column({ type: 'uuid', nullable: true })
  rollbackOf: string | null;

  /** For a retry: the failed deployment it runs again. */
  @Column({ type: 'uuid', nullable: true })
  retryOf: string | null;

  @Column({ type: 'varchar', length: 32 })
  traceId: string;

  @Column({ type: 'boolean', default: false })
  pauseRequested: boolean;

  @Column({ type: 'boolean', default: false })
  promoteRequested: boolean;

  @Column({ type: 'boolean', default: false })
  abortRequested: boolean;

  /**
   * Milliseconds, as JavaScript dates hold them: the list's cursor carries this value, and a cursor
   * rounded from microseconds would skip the rows created in the same millisecond as a page's last.
   */
  @CreateDateColumn({ type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  startedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
