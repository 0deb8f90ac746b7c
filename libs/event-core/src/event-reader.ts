import type { EventPayloads, EventType } from '@hotswap/contracts';
import type { EventQuery, EventReader, RecordedEvent, RelayBatch } from './recorded-event';

/** Runs one SQL statement and returns its rows (TypeORM's `manager.query`, or a `pg` pool). */
export type SqlQuery = (sql: string, params?: unknown[]) => Promise<unknown>;

/**
 * Rows whose transaction is older than every transaction still running: `seq >> 20` is the writer's
 * xid, so this is one range bound on the primary key. Every row below it is committed (or gone for
 * good), so a reader that advances its cursor only over such rows never skips one committed later.
 * This form uses the snapshot's xmin, which counts every transaction of the whole server.
 */
export const SETTLED_BOUND_SQL = '(pg_snapshot_xmin(pg_current_snapshot())::text::bigint << 20)';

/**
 * The same bound counting only transactions of this database (only they can insert rows here), so
 * a long transaction in another database of a shared server does not hold the stream back. Read in
 * a statement of its own before the rows: the snapshot's xmax is taken first, the running xids
 * after it, so every xid below the result had finished before the (later) statement reading rows.
 * The function under the `pg_stat_activity` view, without the view's joins to pg_database and
 * pg_authid per backend: the same rows, ~0.25 ms instead of ~0.6 ms a read on this machine's
 * PostgreSQL 15, and every relay read and replay page runs it. `running`: whether any writing
 * transaction of this database was running (the relay needs no trailing reads when none was).
 */
const DATABASE_BOUND_SQL = `SELECT (least(w.oldest, pg_snapshot_xmax(pg_current_snapshot())::text::bigint) << 20)::text AS bound,
         w.oldest IS NOT NULL AS running
    FROM (SELECT min(backend_xid::text::bigint) AS oldest FROM pg_stat_get_activity(NULL) s
           WHERE s.datid = (SELECT oid FROM pg_database WHERE datname = current_database())) w`;

/** How the settled part of the log is bounded (DR-29). */
export type SettledBound = 'database' | 'snapshot';

const COLUMNS = 'seq::text AS seq, type, at, deployment_id, environment, node_id, module_name, payload';

interface EventRow {
  seq: string;
  type: string;
  at: Date | string;
  deployment_id: string | null;
  environment: string | null;
  node_id: string | null;
  module_name: string | null;
  payload: unknown;
}

function rowsOf(result: unknown): Record<string, unknown>[] {
  return Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
}

/** One text column of the first row (the statements here cast to text), or `fallback`. */
function firstText(result: unknown, column: string, fallback: string): string {
  const value = rowsOf(result)[0]?.[column];
  return typeof value === 'string' ? value : fallback;
}

function toRecorded(r: EventRow): RecordedEvent {
  return {
    seq: String(r.seq),
    type: r.type as EventType,
    at: r.at instanceof Date ? r.at : new Date(r.at),
    subject: {
      deploymentId: r.deployment_id ?? undefined,
      environment: r.environment ?? undefined,
      nodeId: r.node_id ?? undefined,
      moduleName: r.module_name ?? undefined,
    },
    payload: r.payload as EventPayloads[EventType],
  };
}

/**
 * The reads of the event log (settled rows only, DR-29) in plain SQL, so the API's TypeORM-backed
 * log and the event gateway's `pg` pool run the very same statements.
 */
export class SqlEventReader implements EventReader {
  constructor(
    private readonly query: SqlQuery,
    /** `snapshot` on the embedded database (one session: nothing runs concurrently anyway). */
    private readonly bound: SettledBound = 'database',
  ) {}

  /** `seq < <this>` selects the settled rows; for `database`, a literal read just before. */
  private async settledBound(): Promise<string> {
    if (this.bound === 'snapshot') return SETTLED_BOUND_SQL;
    return (await this.databaseBound()).bound;
  }

  private async databaseBound(): Promise<{ bound: string; running: boolean }> {
    const result = await this.query(DATABASE_BOUND_SQL);
    const value = firstText(result, 'bound', '');
    if (!/^\d{1,19}$/.test(value)) throw new Error('could not read the settled bound of the event log');
    return { bound: value, running: rowsOf(result)[0]?.['running'] === true };
  }

  async relayBatch(sinceSeq: string, limit: number): Promise<RelayBatch> {
    // The embedded database is one session: while this read runs, no other transaction does.
    if (this.bound === 'snapshot')
      return { events: await this.since(sinceSeq, limit), writersRunning: false };
    const { bound, running } = await this.databaseBound();
    return { events: await this.rowsSince(bound, sinceSeq, limit), writersRunning: running };
  }

  async since(sinceSeq: string, limit = 1_000, query: EventQuery = {}): Promise<RecordedEvent[]> {
    return this.rowsSince(await this.settledBound(), sinceSeq, limit, query);
  }

  private async rowsSince(
    bound: string,
    sinceSeq: string,
    limit: number,
    query: EventQuery = {},
  ): Promise<RecordedEvent[]> {
    const params: unknown[] = [sinceSeq];
    let where = `seq > $1 AND seq < ${bound}`;
    if (query.types !== undefined) {
      params.push([...query.types]);
      where += ` AND type = ANY($${params.length}::varchar[])`;
    }
    if (query.deploymentId !== undefined) {
      params.push(query.deploymentId);
      where += ` AND deployment_id = $${params.length}`;
    }
    if (query.environment !== undefined) {
      params.push(query.environment);
      // Environment names are case-insensitive (as over REST). No index covers the column: the
      // read stays a range on the seq (or type, seq) index with this as a filter.
      where += ` AND lower(environment) = lower($${params.length})`;
    }
    params.push(limit);
    const rows = rowsOf(
      await this.query(
        `SELECT ${COLUMNS} FROM events WHERE ${where} ORDER BY seq ASC LIMIT $${params.length}`,
        params,
      ),
    );
    return rows.map((r) => toRecorded(r as unknown as EventRow));
  }

  async settledHead(): Promise<string> {
    const bound = await this.settledBound();
    return firstText(
      await this.query(
        `SELECT coalesce(max(seq), (SELECT pruned_through FROM event_log_state WHERE id = 1), 0)::text AS head FROM events WHERE seq < ${bound}`,
      ),
      'head',
      '0',
    );
  }

  async prunedThrough(): Promise<string> {
    return firstText(
      await this.query('SELECT pruned_through::text AS pruned FROM event_log_state WHERE id = 1'),
      'pruned',
      '0',
    );
  }
}
