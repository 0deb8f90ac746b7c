import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One published version of the graph schema; the highest version is the one enforced. */
@Entity({ name: 'graph_schemas' })
export class GraphSchemaEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  version: string;

  @Column({ type: 'integer' })
  major: number;

  @Column({ type: 'integer' })
  minor: number;

  @Column({ type: 'integer' })
  patch: number;

  @Column({ type: 'jsonb' })
  definition: Record<string, unknown>;

  @Column({ type: 'varchar', length: 200 })
  createdBy: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
