import type { EventPayloads, EventSubject, EventType } from '@hotswap/contracts';
import { type Database } from '@hotswap/database';
import { currentRequestContext } from '@hotswap/observability';
import type { EntitySubscriberInterface, QueryDeepPartialEntity } from 'typeorm';
import { EventLogStateEntity } from './event-log-state.entity';
import { EventEntity } from './event.entity';
import { type InProcessWakeups } from './wakeups';

export interface RecordedEvent<T extends EventType = EventType> {
  readonly seq: string;
  readonly type: T;
  readonly at: Date;
  readonly subject: EventSubject;
  readonly payload: EventPayloads[T];
}

/** One event of {@link EventLog.appendMany}. */
export type EventEntry = {
  [T in EventType]: { readonly type: T; readonly subject: EventSubject; readonly payload: EventPayloads[T] };
}[EventType];

/** What a read of the log may be narrowed to (all given conditions hold). */
export interface EventQuery {
  /** Exact types; undefined means every type. */
  readonly types?: readonly EventType[];
  readonly deploymentId?: string;
  readonly environment?: string;
}

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
 */
const DATABASE_BOUND_SQL = `SELECT (least(
    (SELECT min(backend_xid::text::bigint) FROM pg_stat_activity WHERE datname = current_database()),
    pg_snapshot_xmax(pg_current_snapshot())::text::bigint) << 20)::text AS bound`;

/** How the settled part of the log is bounded (DR-29). */
export type SettledBound = 'database' | 'snapshot';

/**
 * Writes events in the caller's transaction, so an event exists exactly when the change it reports
 * was committed (and a failed request leaves none), and reads back the settled part of the log.
 */
export class EventLog {
  /** Transactions (by query runner) that appended events and have not committed yet. */
  private readonly appending = new WeakSet<object>();

  constructor(
    private readonly database: Database,
    private readonly wakeups: InProcessWakeups,
    /** `snapshot` on the embedded database (one session: nothing runs concurrently anyway). */
    private readonly bound: SettledBound = 'database',
  ) {
    // The in-process wake-up fires once the appending transaction has committed, not at the append
    // (a read before the commit would find nothing and nothing would wake the relay again).
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit: (event) => {
        if (this.appending.has(event.queryRunner)) {
          this.appending.delete(event.queryRunner);
          this.wakeups.appended();
        }
      },
      afterTransactionRollback: (event) => {
        this.appending.delete(event.queryRunner);
      },
    };
    database.dataSource.subscribers.push(subscriber);
  }

  private appended(): void {
    const runner = this.database.manager().queryRunner;
    if (runner !== undefined) this.appending.add(runner);
  }

  /** `seq < <this>` selects the settled rows; for `database`, a literal read just before. */
  private async settledBound(): Promise<string> {
    if (this.bound === 'snapshot') return SETTLED_BOUND_SQL;
    const rows: unknown = await this.database.manager().query(DATABASE_BOUND_SQL);
    const first: unknown = Array.isArray(rows) ? rows[0] : undefined;
    const value = typeof first === 'object' && first !== null && 'bound' in first ? String(first.bound) : '';
    if (!/^\d{1,19}$/.test(value)) throw new Error('could not read the settled bound of the event log');
    return value;
  }

  async append<T extends EventType>(
    type: T,
    subject: EventSubject,
    payload: EventPayloads[T],
  ): Promise<string> {
    if (!this.database.inTransaction) {
      throw new Error(`event ${type} must be appended inside the transaction of the change it reports`);
    }
    const result = await this.database
      .manager()
      .createQueryBuilder()
      .insert()
      .into(EventEntity)
      .values({
        type,
        deploymentId: subject.deploymentId ?? null,
        environment: subject.environment ?? null,
        nodeId: subject.nodeId ?? null,
        moduleName: subject.moduleName ?? null,
        payload,
        traceId: currentRequestContext()?.traceId ?? null,
      } as QueryDeepPartialEntity<EventEntity>)
      .returning(['seq'])
      .execute();
    this.appended();
    const raw: unknown = result.raw;
    const first: unknown = Array.isArray(raw) ? raw[0] : undefined;
    return typeof first === 'object' && first !== null && 'seq' in first ? String(first.seq) : '';
  }

  /**
   * Appends many events in one multi-row insert (in order), for changes that happen in bulk — a
   * fleet's status sweep, a seeded simulated fleet — where one round trip per event would dominate.
   */
  async appendMany(entries: readonly EventEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!this.database.inTransaction) {
      throw new Error('events must be appended inside the transaction of the change they report');
    }
    const traceId = currentRequestContext()?.traceId ?? null;
    const CHUNK = 1_000;
    for (let i = 0; i < entries.length; i += CHUNK) {
      const rows = entries.slice(i, i + CHUNK).map((e) => ({
        type: e.type,
        deploymentId: e.subject.deploymentId ?? null,
        environment: e.subject.environment ?? null,
        nodeId: e.subject.nodeId ?? null,
        moduleName: e.subject.moduleName ?? null,
        payload: e.payload,
        traceId,
      }));
      await this.database
        .manager()
        .createQueryBuilder()
        .insert()
        .into(EventEntity)
        // jsonb columns typed as records do not fit TypeORM's deep-partial type; the rows are complete.
        .values(rows as QueryDeepPartialEntity<EventEntity>[])
        .execute();
    }
    this.appended();
  }

  /** Settled events after `sinceSeq`, in seq order. */
  async since(sinceSeq: string, limit = 1_000, query: EventQuery = {}): Promise<RecordedEvent[]> {
    const bound = await this.settledBound();
    const qb = this.database
      .repository(EventEntity)
      .createQueryBuilder('e')
      .where('e.seq > :since', { since: sinceSeq })
      .andWhere(`e.seq < ${bound}`);
    if (query.types !== undefined) qb.andWhere('e.type IN (:...types)', { types: [...query.types, ''] });
    if (query.deploymentId !== undefined)
      qb.andWhere('e.deploymentId = :deploymentId', { deploymentId: query.deploymentId });
    if (query.environment !== undefined)
      qb.andWhere('e.environment = :environment', { environment: query.environment });
    const rows = await qb.orderBy('e.seq', 'ASC').limit(limit).getMany();
    return rows.map(toRecorded);
  }

  /** The highest settled seq (or the pruned watermark for an empty log): where a new reader starts. */
  async settledHead(): Promise<string> {
    const bound = await this.settledBound();
    const rows: unknown = await this.database
      .manager()
      .query(
        `SELECT coalesce(max(seq), (SELECT pruned_through FROM event_log_state WHERE id = 1), 0)::text AS head FROM events WHERE seq < ${bound}`,
      );
    const first: unknown = Array.isArray(rows) ? rows[0] : undefined;
    return typeof first === 'object' && first !== null && 'head' in first ? String(first.head) : '0';
  }

  /** Every event up to this seq may have been pruned; a cursor below it cannot be replayed. */
  async prunedThrough(): Promise<string> {
    const state = await this.database.repository(EventLogStateEntity).findOneBy({ id: 1 });
    return state?.prunedThrough ?? '0';
  }

  /**
   * Deletes events older than `before` (at most `batch` per call) and raises the pruned watermark;
   * returns how many were deleted.
   */
  async prune(before: Date, batch = 10_000): Promise<number> {
    return this.database.transaction(async () => {
      const rows: unknown = await this.database.manager().query(
        `WITH doomed AS (
           SELECT seq FROM events WHERE at < $1 ORDER BY seq LIMIT $2
         ), deleted AS (
           DELETE FROM events e USING doomed d WHERE e.seq = d.seq RETURNING e.seq
         ), raised AS (
           UPDATE event_log_state SET pruned_through = greatest(pruned_through, (SELECT max(seq) FROM deleted)),
             pruned_at = now()
           WHERE id = 1 AND EXISTS (SELECT 1 FROM deleted) RETURNING 1
         )
         SELECT count(*)::int AS deleted FROM deleted`,
        [before, batch],
      );
      const first: unknown = Array.isArray(rows) ? rows[0] : undefined;
      return typeof first === 'object' && first !== null && 'deleted' in first ? Number(first.deleted) : 0;
    });
  }
}

export function toRecorded(r: EventEntity): RecordedEvent {
  return {
    seq: r.seq,
    type: r.type as EventType,
    at: r.at,
    subject: {
      deploymentId: r.deploymentId ?? undefined,
      environment: r.environment ?? undefined,
      nodeId: r.nodeId ?? undefined,
      moduleName: r.moduleName ?? undefined,
    },
    payload: r.payload as unknown as EventPayloads[EventType],
  };
}
