import { RATE_LIMIT_HIT_SQL, rateLimitCountOf, rateLimitHitParams } from '@hotswap/auth-core';
import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { LessThan } from 'typeorm';
import { RateLimitCounterEntity } from '../entities/rate-limit-counter.entity';

export interface CounterState {
  readonly hits: number;
  readonly expiresAt: Date;
}

/** Fixed-window counters in PostgreSQL, so every replica counts against the same budget. */
@Injectable()
export class RateLimitRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  /**
   * Counts one hit, atomically (one upsert; the SQL is shared with the event gateway): a window that
   * has ended starts again at 1. Runs outside any transaction of the caller, so a rolled-back request
   * still counts.
   */
  async hit(key: string, windowMs: number, now: Date): Promise<CounterState> {
    return rateLimitCountOf(
      await this.db.dataSource.query(RATE_LIMIT_HIT_SQL, rateLimitHitParams(key, windowMs, now)),
    );
  }

  /** The hits of a live window, 0 when there is none. */
  async peek(key: string, now: Date): Promise<CounterState | undefined> {
    const row = await this.db.dataSource.getRepository(RateLimitCounterEntity).findOneBy({ key });
    if (row === null || row.expiresAt <= now) return undefined;
    return { hits: row.hits, expiresAt: row.expiresAt };
  }

  async deleteExpired(now: Date): Promise<number> {
    const result = await this.db.dataSource
      .getRepository(RateLimitCounterEntity)
      .delete({ expiresAt: LessThan(now) });
    return result.affected ?? 0;
  }
}
