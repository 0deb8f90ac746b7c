import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { AdjacencySnapshot } from './adjacency-snapshot';

const BATCH = 50_000;

/**
 * The adjacency snapshot of the current write generation. Each read checks the shared generation
 * (one indexed row); when another replica or this one wrote since, the snapshot is reloaded in one
 * REPEATABLE READ transaction, so it is exactly the state of the generation it carries.
 */
@Injectable()
export class SnapshotStore {
  private current: AdjacencySnapshot | null = null;
  private loading: Promise<AdjacencySnapshot> | null = null;
  loads = 0;
  lastLoadMs = 0;

  constructor(@Inject(Database) private readonly database: Database) {}

  async get(): Promise<AdjacencySnapshot> {
    const rows = await this.database
      .manager()
      .query<{ generation: string }[]>('SELECT generation FROM graph_state WHERE id = 1');
    const generation = Number(rows[0]?.generation ?? 0);
    if (this.current !== null && this.current.generation === generation) return this.current;
    return this.load();
  }

  get loaded(): AdjacencySnapshot | null {
    return this.current;
  }

  private load(): Promise<AdjacencySnapshot> {
    if (this.loading !== null) return this.loading;
    this.loading = this.read()
      .then((snapshot) => {
        if (this.current === null || snapshot.generation >= this.current.generation) this.current = snapshot;
        return snapshot;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  private read(): Promise<AdjacencySnapshot> {
    const started = Date.now();
    return this.database.dataSource.transaction('REPEATABLE READ', async (m) => {
      const [state] = await m.query<{ generation: string }[]>(
        'SELECT generation FROM graph_state WHERE id = 1',
      );
      const [counts] = await m.query<{ e: number; r: number }[]>(
        `SELECT (SELECT reltuples FROM pg_class WHERE oid = 'graph_entities'::regclass)::float8 AS e,
                (SELECT reltuples FROM pg_class WHERE oid = 'graph_relationships'::regclass)::float8 AS r`,
      );
      const builder = AdjacencySnapshot.builder(
        Number(state?.generation ?? 0),
        Math.max(1024, counts?.e ?? 0),
        Math.max(1024, counts?.r ?? 0),
      );
      let after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const rows = await m.query<{ id: string; type: string }[]>(
          'SELECT id, type FROM graph_entities WHERE id > $1 ORDER BY id LIMIT $2',
          [after, BATCH],
        );
        for (const r of rows) builder.addEntity(r.id, r.type);
        if (rows.length < BATCH) break;
        after = rows[rows.length - 1]?.id ?? after;
      }
      after = '00000000-0000-0000-0000-000000000000';
      for (;;) {
        const rows = await m.query<
          {
            id: string;
            type: string;
            source_id: string;
            target_id: string;
            weight: number;
            is_directed: boolean;
          }[]
        >(
          `SELECT id, type, source_id, target_id, weight, is_directed FROM graph_relationships
           WHERE id > $1 ORDER BY id LIMIT $2`,
          [after, BATCH],
        );
        for (const r of rows) {
          builder.addRelationship({
            id: r.id,
            type: r.type,
            sourceId: r.source_id,
            targetId: r.target_id,
            weight: Number(r.weight),
            isDirected: r.is_directed,
          });
        }
        if (rows.length < BATCH) break;
        after = rows[rows.length - 1]?.id ?? after;
      }
      const snapshot = builder.build();
      this.loads++;
      this.lastLoadMs = Date.now() - started;
      return snapshot;
    });
  }
}
