import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'canary_measurements' })
@Index('idx_canary_measurements_deployment', ['deploymentId', 'createdAt'])
export class CanaryMeasurementEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  deploymentId: string;

  @Column({ type: 'uuid' })
  stageId: string;

  @Column({ type: 'varchar', length: 64 })
  environment: string;

  @Column({ type: 'integer' })
  wave: number;

  @Column({ type: 'varchar', length: 16 })
  verdict: string;

  @Column({ type: 'text' })
  reason: string;

  @Column({ type: 'jsonb' })
  comparisons: Record<string, unknown>[];

  @Column({ type: 'integer' })
  canarySamples: number;

  @Column({ type: 'integer' })
  baselineSamples: number;

  @Column({ type: 'timestamptz' })
  windowFrom: Date;

  @Column({ type: 'timestamptz' })
  windowTo: Date;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;
}
