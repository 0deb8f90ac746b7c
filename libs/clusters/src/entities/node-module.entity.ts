import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { ModuleSlotState } from '../module-slots';
import { NodeEntity } from './node.entity';

/** What one node runs of one module (its slots) and what it should run (desired). */
@Entity({ name: 'node_modules' })
@Index('idx_node_modules_previous_retained_until', ['previousRetainedUntil'], {
  where: '"previous_retained_until" IS NOT NULL',
})
export class NodeModuleEntity {
  @PrimaryColumn({ type: 'uuid' })
  nodeId: string;

  @PrimaryColumn({ type: 'varchar', length: 64 })
  moduleName: string;

  @Column({ type: 'varchar', length: 256, nullable: true })
  activeVersion: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  standbyVersion: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  previousVersion: string | null;

  @Column({ type: 'varchar', length: 16 })
  state: ModuleSlotState;

  /** The previous version is still loaded (instant rollback). */
  @Column({ type: 'boolean', default: false })
  previousLoaded: boolean;

  /** Until when the loaded previous version is kept (the retention sweep unloads it then). */
  @Column({ type: 'timestamptz', nullable: true })
  previousRetainedUntil: Date | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  /** Desired slots (agents): pushed by the replica holding the node's socket. */
  @Column({ type: 'varchar', length: 256, nullable: true })
  desiredActiveVersion: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  desiredStandbyVersion: string | null;

  /** The previous version the agent keeps loaded (null: keep none loaded). */
  @Column({ type: 'varchar', length: 256, nullable: true })
  desiredPreviousVersion: string | null;

  /** The node generation at which this module's desired state last changed; 0 = never set. */
  @Column({ type: 'integer', default: 0 })
  desiredGeneration: number;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;

  @ManyToOne(() => NodeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'node_id', referencedColumnName: 'id' })
  node?: Relation<NodeEntity>;
}
