import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One heartbeat's metrics. Written in multi-row batches; read by time window (clusters view buckets,
 * canary analysis). No foreign key: rows outlive a decommissioned node until retention prunes them.
 */
@Entity({ name: 'node_metric_samples' })
@Index('idx_node_metric_samples_environment_at', ['environmentId', 'at'])
@Index('idx_node_metric_samples_node_at', ['nodeId', 'at'])
export class NodeMetricSampleEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'uuid' })
  nodeId: string;

  @Column({ type: 'uuid' })
  environmentId: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'double precision' })
  cpuPercent: number;

  @Column({ type: 'double precision' })
  memoryPercent: number;

  @Column({ type: 'double precision' })
  latencyP95Ms: number;

  @Column({ type: 'double precision' })
  errorRate: number;

  @Column({ type: 'double precision' })
  requestsPerSecond: number;
}
