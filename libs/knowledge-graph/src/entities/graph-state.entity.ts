import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One row (`id = 1`): the graph's write generation, bumped in the transaction of every write so that
 * every replica's caches and adjacency snapshots can tell they are stale; and the topology mirror's
 * cursor in the event log.
 */
@Entity({ name: 'graph_state' })
export class GraphStateEntity {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'bigint', default: 0 })
  generation: string;

  @Column({ type: 'bigint', default: 0 })
  topologyCursor: string;
}
