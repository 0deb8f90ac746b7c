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
   * Counts one hit, atomically (one upsert): a window that has ended starts again at 1. Runs outside
   * any transaction of the caller, so a rolled-back request still counts.
   *
   * The statement commits without waiting for the WAL flush (`synchronous_commit` off for its own
   * implicit transaction, set by the CTE): every request of a caller updates the same row, and with
   * a durable commit each one held that row's lock for a disk flush, so a busy caller's requests went
   * one flush at a time (~300/s on this machine's PostgreSQL). A server crash can forget the last
   * fraction of a second of hits, which a rate limit can afford; nothing else is written here.
   */
  async hit(key: string, windowMs: number, now: Date): Promise<CounterState> {
    const rows: { hits: number; expires_at: Date }[] = await this.db.dataSource.query(
      `WITH relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO rate_limit_counters (key, hits, expires_at) SELECT $1, 1, $2 FROM relaxed
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limit_counters.expires_at <= $3 THEN 1 ELSE rate_limit_counters.hits + 1 END,
         expires_at = CASE WHEN rate_limit_counters.expires_at <= $3 THEN EXCLUDED.expires_at
                           ELSE rate_limit_counters.expires_at END
       RETURNING hits, expires_at`,
      [key, new Date(now.getTime() + windowMs), now],
    );
    const row = rows[0];
    if (row === undefined) throw new Error('rate limit upsert returned no row');
    return { hits: Number(row.hits), expiresAt: new Date(row.expires_at) };
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
