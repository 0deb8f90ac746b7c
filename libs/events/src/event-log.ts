import { Inject, Injectable } from '@nestjs/common';
import type { EventPayloads, EventSubject, EventType } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { currentRequestContext } from '@hotswap/observability';
import type { QueryDeepPartialEntity } from 'typeorm';
import { EventEntity } from './event.entity';

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

/**
 * Writes events in the caller's transaction, so an event exists exactly when the change it reports
 * was committed (and a failed request leaves none).
 */
@Injectable()
export class EventLog {
  constructor(@Inject(Database) private readonly database: Database) {}

  async append<T extends EventType>(
    type: T,
    subject: EventSubject,
    payload: EventPayloads[T],
  ): Promise<string> {
    if (!this.database.inTransaction) {
      throw new Error(`event ${type} must be appended inside the transaction of the change it reports`);
    }
    const row = this.database.repository(EventEntity).create({
      type,
      deploymentId: subject.deploymentId ?? null,
      environment: subject.environment ?? null,
      nodeId: subject.nodeId ?? null,
      moduleName: subject.moduleName ?? null,
      payload: payload as unknown as Record<string, unknown>,
      traceId: currentRequestContext()?.traceId ?? null,
    });
    const saved = await this.database.repository(EventEntity).save(row);
    return saved.seq;
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
  }

  /** Events after `sinceSeq` in order (for tests and, later, replay). */
  async since(sinceSeq: string, limit = 1_000): Promise<RecordedEvent[]> {
    const rows = await this.database
      .repository(EventEntity)
      .createQueryBuilder('e')
      .where('e.seq > :since', { since: sinceSeq })
      .orderBy('e.seq', 'ASC')
      .limit(limit)
      .getMany();
    return rows.map((r) => ({
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
    }));
  }
}
