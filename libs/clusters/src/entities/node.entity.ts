import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { NodeKind, NodeStatus } from '../node-status';
import { EnvironmentEntity } from './environment.entity';

/** A process hosting modules: an enrolled agent or a simulated node. */
@Entity({ name: 'nodes' })
@Index('uq_nodes_environment_name', ['environmentId', 'name'], { unique: true })
@Index('idx_nodes_environment_status', ['environmentId', 'status'])
@Index('uq_nodes_credential_hash', ['credentialHash'], { unique: true })
export class NodeEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** The hostname. */
  @Column({ type: 'varchar', length: 253 })
  name: string;

  @Column({ type: 'uuid' })
  environmentId: string;

  @Column({ type: 'jsonb' })
  labels: Record<string, string>;

  @Column({ type: 'varchar', length: 16 })
  kind: NodeKind;

  @Column({ type: 'varchar', length: 16 })
  status: NodeStatus;

  @Column({ type: 'varchar', length: 500 })
  statusReason: string;

  @Column({ type: 'timestamptz' })
  statusChangedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastHeartbeatAt: Date | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  agentVersion: string | null;

  /** sha256 (hex) of the node credential; null for simulated nodes. The value itself is never stored. */
  @Column({ type: 'char', length: 64, nullable: true })
  credentialHash: string | null;

  /** Latest heartbeat metrics (the history is in node_metric_samples). */
  @Column({ type: 'double precision', nullable: true })
  cpuPercent: number | null;

  @Column({ type: 'double precision', nullable: true })
  memoryPercent: number | null;

  @Column({ type: 'double precision', nullable: true })
  latencyP95Ms: number | null;

  /** Percent of requests that failed (0–100). */
  @Column({ type: 'double precision', nullable: true })
  errorRate: number | null;

  @Column({ type: 'double precision', nullable: true })
  requestsPerSecond: number | null;

  /** Bumped whenever the desired state of any of the node's modules changes. */
  @Column({ type: 'integer', default: 0 })
  desiredGeneration: number;

  /** The highest generation the node reported on. */
  @Column({ type: 'integer', default: 0 })
  reportedGeneration: number;

  @Column({ type: 'timestamptz' })
  registeredAt: Date;

  @ManyToOne(() => EnvironmentEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'environment_id', referencedColumnName: 'id' })
  environment?: Relation<EnvironmentEntity>;
}
