import { RATE_LIMIT_HIT_SQL, rateLimitCountOf, rateLimitHitParams } from '@hotswap/auth-core';
import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { LessThan } from 'typeorm';
import { RateLimitCounterEntity } from '../entities/rate-limit-counter.entity';

export interface CounterState {
  readonly hits: number;
  readonly expiresAt: Date;
}

/** Hits of one counter to add; a window that has ended (or no row) starts again, ending `windowMs` from now. */
export interface CounterHits {
  readonly key: string;
  readonly hits: number;
  readonly windowMs: number;
}

/**
 * {@link RATE_LIMIT_HIT_SQL} for several counters and several hits each, in one statement: `$1` keys,
 * `$2` hits, `$3` window ends for rows that start a window, `$4` now. Rows are locked in key order (two
 * replicas writing overlapping batches cannot deadlock); without waiting for the WAL flush, as the
 * one-hit form.
 */
const HITS_SQL = `WITH relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO rate_limit_counters (key, hits, expires_at)
       SELECT h.key, h.hits, h.expires_at
         FROM relaxed, unnest($1::varchar[], $2::int[], $3::timestamptz[]) AS h(key, hits, expires_at)
        ORDER BY h.key
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limit_counters.expires_at <= $4 THEN EXCLUDED.hits
                     ELSE rate_limit_counters.hits + EXCLUDED.hits END,
         expires_at = CASE WHEN rate_limit_counters.expires_at <= $4 THEN EXCLUDED.expires_at
                           ELSE rate_limit_counters.expires_at END
       RETURNING key, hits, expires_at`;

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

  /** Adds the hits of several counters in one statement; each counter's state, in the order given. */
  async hitMany(rows: readonly CounterHits[], now: Date): Promise<CounterState[]> {
    if (rows.length === 0) return [];
    const answered = await this.db.dataSource.query<
      { key: string; hits: number | string; expires_at: Date | string }[]
    >(HITS_SQL, [
      rows.map((r) => r.key),
      rows.map((r) => r.hits),
      rows.map((r) => new Date(now.getTime() + r.windowMs)),
      now,
    ]);
    const byKey = new Map(answered.map((r) => [r.key, r]));
    return rows.map(({ key }) => {
      const row = byKey.get(key);
      if (row === undefined) throw new Error(`rate limit upsert returned no row for ${key}`);
      return { hits: Number(row.hits), expiresAt: new Date(row.expires_at) };
    });
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
