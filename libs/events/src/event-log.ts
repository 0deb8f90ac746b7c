import { Inject, Injectable } from '@nestjs/common';
import type { EventPayloads, EventSubject, EventType } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { currentRequestContext } from '@hotswap/observability';
import { EventEntity } from './event.entity';

export interface RecordedEvent<T extends EventType = EventType> {
  readonly seq: string;
  readonly type: T;
  readonly at: Date;
  readonly subject: EventSubject;
  readonly payload: EventPayloads[T];
}

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
