import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The node-operation log: one row per (stage, step, kind, node). A resumed step finds its rows and
 * never applies an operation twice nor skips one.
 */
@Entity({ name: 'deployment_node_operations' })
@Index('uq_node_operations_key', ['stageId', 'step', 'kind', 'nodeId'], { unique: true })
@Index('idx_node_operations_deployment', ['deploymentId', 'createdAt'])
export class NodeOperationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  deploymentId: string;

  @Column({ type: 'uuid' })
  stageId: string;

  @Column({ type: 'varchar', length: 64 })
  environment: string;

  @Column({ type: 'uuid' })
  nodeId: string;

  @Column({ type: 'varchar', length: 253 })
  nodeName: string;

  @Column({ type: 'varchar', length: 16 })
  kind: string;

  @Column({ type: 'varchar', length: 64 })
  step: string;

  @Column({ type: 'varchar', length: 256, nullable: true })
  fromVersion: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  toVersion: string | null;

  /** `pending` until the node answered, then `succeeded` or `failed`. */
  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
