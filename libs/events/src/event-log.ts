import type { EventPayloads, EventSubject, EventType } from '@hotswap/contracts';
import { type Database } from '@hotswap/database';
import {
  SqlEventReader,
  type EventQuery,
  type EventReader,
  type RelayBatch,
  type InProcessWakeups,
  type RecordedEvent,
  type SettledBound,
} from '@hotswap/event-core';
import { currentRequestContext } from '@hotswap/observability';
import type { EntitySubscriberInterface } from 'typeorm';
import { EventEntity } from './event.entity';

/** One event of {@link EventLog.appendMany}. */
export type EventEntry = {
  [T in EventType]: { readonly type: T; readonly subject: EventSubject; readonly payload: EventPayloads[T] };
}[EventType];

/**
 * Writes events in the caller's transaction, so an event exists exactly when the change it reports
 * was committed (and a failed request leaves none), and reads back the settled part of the log.
 */
export class EventLog implements EventReader {
  /** Transactions (by query runner) that appended events and have not committed yet. */
  private readonly appending = new WeakSet<object>();
  /** The reads, in the SQL the event gateway runs too. */
  private readonly reader: SqlEventReader;

  constructor(
    private readonly database: Database,
    private readonly wakeups: InProcessWakeups,
    /** `snapshot` on the embedded database (one session: nothing runs concurrently anyway). */
    bound: SettledBound = 'database',
  ) {
    this.reader = new SqlEventReader((sql, params) => this.database.manager().query(sql, params), bound);
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

  async append<T extends EventType>(
    type: T,
    subject: EventSubject,
    payload: EventPayloads[T],
  ): Promise<string> {
    if (!this.database.inTransaction) {
      throw new Error(`event ${type} must be appended inside the transaction of the change it reports`);
    }
    const [row] = await this.database.insertRows(
      EventEntity,
      [
        {
          type,
          deploymentId: subject.deploymentId ?? null,
          environment: subject.environment ?? null,
          nodeId: subject.nodeId ?? null,
          moduleName: subject.moduleName ?? null,
          payload: payload,
          traceId: currentRequestContext()?.traceId ?? null,
        },
      ],
      ['seq'],
    );
    this.appended();
    return row === undefined ? '' : String(row.seq);
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
      await this.database.insertRows(EventEntity, rows);
    }
    this.appended();
  }

  /** Settled events after `sinceSeq`, in seq order. */
  since(sinceSeq: string, limit = 1_000, query: EventQuery = {}): Promise<RecordedEvent[]> {
    return this.reader.since(sinceSeq, limit, query);
  }

  /** {@link since} for the relay, with whether writing transactions were running (see EventReader). */
  relayBatch(sinceSeq: string, limit: number): Promise<RelayBatch> {
    return this.reader.relayBatch(sinceSeq, limit);
  }

  /** The highest settled seq (or the pruned watermark for an empty log): where a new reader starts. */
  settledHead(): Promise<string> {
    return this.reader.settledHead();
  }

  /** Every event up to this seq may have been pruned; a cursor below it cannot be replayed. */
  prunedThrough(): Promise<string> {
    return this.reader.prunedThrough();
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
