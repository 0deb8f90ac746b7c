import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { GraphEntityEntity, type GraphOwner } from './graph-entity.entity';

@Entity({ name: 'graph_relationships' })
@Check('ck_graph_relationships_weight', '"weight" >= 0')
@Index('idx_graph_relationships_source_type', ['sourceId', 'type'])
@Index('idx_graph_relationships_target_type', ['targetId', 'type'])
@Index('uq_graph_relationships_natural_key', ['naturalKey'], { unique: true })
export class GraphRelationshipEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  type: string;

  @Column({ type: 'uuid' })
  sourceId: string;

  @Column({ type: 'uuid' })
  targetId: string;

  @Column({ type: 'double precision', default: 1 })
  weight: number;

  @Column({ type: 'boolean', default: true })
  isDirected: boolean;

  @Column({ type: 'jsonb', default: {} })
  properties: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  owner: GraphOwner;

  @Column({ type: 'varchar', length: 400, nullable: true })
  naturalKey: string | null;

  @Column({ type: 'varchar', length: 200 })
  createdBy: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @ManyToOne(() => GraphEntityEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'source_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'FK_graph_relationships_source',
  })
  source?: Relation<GraphEntityEntity>;

  @ManyToOne(() => GraphEntityEntity, { onDelete: 'CASCADE' })
  @JoinColumn({
    name: 'target_id',
    referencedColumnName: 'id',
    foreignKeyConstraintName: 'FK_graph_relationships_target',
  })
  target?: Relation<GraphEntityEntity>;
}
