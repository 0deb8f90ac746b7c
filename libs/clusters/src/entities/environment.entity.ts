import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { ApprovalPolicy, StrategyDefaults, StrategyName } from '../environment-policy';

/** A named stage of the promotion path with its deployment policy (product spec §3). */
@Entity({ name: 'environments' })
@Index('uq_environments_name_key', ['nameKey'], { unique: true })
@Index('uq_environments_rank', ['rank'], { unique: true })
export class EnvironmentEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** As the admin spelled it. */
  @Column({ type: 'varchar', length: 64 })
  name: string;

  /** Lower-case name: environments are looked up case-insensitively. */
  @Column({ type: 'varchar', length: 64 })
  nameKey: string;

  /** Promotion order: lower ranks are deployed to first. */
  @Column({ type: 'integer' })
  rank: number;

  @Column({ type: 'varchar', length: 32 })
  defaultStrategy: StrategyName;

  @Column({ type: 'jsonb' })
  strategyDefaults: StrategyDefaults;

  @Column({ type: 'jsonb' })
  approvalPolicy: ApprovalPolicy;

  @Column({ type: 'boolean' })
  requireSignedModules: boolean;

  @Column({ type: 'integer' })
  maxConcurrentDeployments: number;

  @Column({ type: 'boolean', default: false })
  frozen: boolean;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  frozenReason: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  frozenBy: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  frozenAt: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
