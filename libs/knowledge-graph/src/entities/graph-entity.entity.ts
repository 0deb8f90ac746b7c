import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Who may change an entity or relationship: API callers, or only the topology mirror. */
export type GraphOwner = 'user' | 'topology';

@Entity({ name: 'graph_entities' })
@Index('idx_graph_entities_type', ['type'])
// GIN (jsonb_path_ops, fastupdate off so the planner never pays for a pending list) over the properties: `properties @> {...}` filters use it. Created by the migration;
// TypeORM cannot declare a GIN index, hence synchronize: false.
@Index('idx_graph_entities_properties', { synchronize: false })
@Index('uq_graph_entities_natural_key', ['naturalKey'], { unique: true })
export class GraphEntityEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 100 })
  type: string;

  @Column({ type: 'jsonb' })
  properties: Record<string, unknown>;

  @Column({ type: 'varchar', length: 16, default: 'user' })
  owner: GraphOwner;

  /** The topology mirror's stable key (`Module:payments`); null for API-created entities. */
  @Column({ type: 'varchar', length: 400, nullable: true })
  naturalKey: string | null;

  @Column({ type: 'integer', default: 1 })
  version: number;

  @Column({ type: 'varchar', length: 200 })
  createdBy: string;

  @Column({ type: 'varchar', length: 200 })
  updatedBy: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
