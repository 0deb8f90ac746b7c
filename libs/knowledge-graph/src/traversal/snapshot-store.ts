import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { GraphRepository } from '../graph.repository';
import { AdjacencySnapshot } from './adjacency-snapshot';

const BATCH = 50_000;
/** How long a replica trusts its snapshot without re-reading the shared generation (DR-21). */
export const SNAPSHOT_RECHECK_MS = 200;

/**
 * The adjacency snapshot of the current write generation, loaded in one REPEATABLE READ transaction
 * so that it is exactly the state of the generation it carries. A read re-checks the shared generation
 * (one indexed row) when this process committed a graph write since the last check (read-your-writes)
 * or when the last check is older than {@link SNAPSHOT_RECHECK_MS}; another replica's writes are
 * therefore seen within that window, and every answer is that of one consistent state.
 */
@Injectable()
export class SnapshotStore {
  private current: AdjacencySnapshot | null = null;
  private loading: Promise<AdjacencySnapshot> | null = null;
  loads = 0;
  lastLoadMs = 0;

  private checkedAt = 0;
  private checkedCommits = -1;

  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(GraphRepository) private readonly graph: GraphRepository,
  ) {}

  /** 0: re-read the generation on every call. */
  recheckMs = SNAPSHOT_RECHECK_MS;

  async get(): Promise<AdjacencySnapshot> {
    const now = Date.now();
    if (
      this.current !== null &&
      this.checkedCommits === this.graph.localCommits &&
      now - this.checkedAt < this.recheckMs
    ) {
      return this.current;
    }
    const commits = this.graph.localCommits;
    const rows = await this.database
      .manager()
      .query<{ generation: string }[]>('SELECT generation FROM graph_state WHERE id = 1');
    const generation = Number(rows[0]?.generation ?? 0);
    const snapshot =
      this.current !== null && this.current.generation === generation ? this.current : await this.load();
    this.checkedAt = now;
    this.checkedCommits = commits;
    return snapshot;
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
      // Cursors read each table in one sequential scan, fetched in batches (no sort, bounded memory).
      await m.query(
        'DECLARE graph_snapshot_entities NO SCROLL CURSOR FOR SELECT id, type FROM graph_entities',
      );
      for (;;) {
        const rows = await m.query<{ id: string; type: string }[]>(
          `FETCH ${BATCH} FROM graph_snapshot_entities`,
        );
        for (const r of rows) builder.addEntity(r.id, r.type);
        if (rows.length < BATCH) break;
      }
      await m.query(
        `DECLARE graph_snapshot_relationships NO SCROLL CURSOR FOR
         SELECT id, type, source_id, target_id, weight, is_directed FROM graph_relationships`,
      );
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
        >(`FETCH ${BATCH} FROM graph_snapshot_relationships`);
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
      }
      const snapshot = builder.build();
      this.loads++;
      this.lastLoadMs = Date.now() - started;
      return snapshot;
    });
  }
}
