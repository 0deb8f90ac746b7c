/**
 * The fixed-window rate-limit counters of the API (`rate_limit_counters`), shared with the event
 * gateway so that both count against one budget per caller and route class across every replica.
 */

/**
 * Counts one hit of `$1` (key) atomically: a window that has ended starts again at 1 and ends at `$2`;
 * `$3` is now. The statement commits without waiting for the WAL flush (`synchronous_commit` off for
 * its own implicit transaction, set by the CTE): every request of a caller updates the same row, and
 * with a durable commit each one held that row's lock for a disk flush, so a busy caller's requests
 * went one flush at a time (~300/s on this machine's PostgreSQL). A server crash can forget the last
 * fraction of a second of hits, which a rate limit can afford; nothing else is written here.
 */
export const RATE_LIMIT_HIT_SQL = `WITH relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true))
       INSERT INTO rate_limit_counters (key, hits, expires_at) SELECT $1, 1, $2 FROM relaxed
       ON CONFLICT (key) DO UPDATE SET
         hits = CASE WHEN rate_limit_counters.expires_at <= $3 THEN 1 ELSE rate_limit_counters.hits + 1 END,
         expires_at = CASE WHEN rate_limit_counters.expires_at <= $3 THEN EXCLUDED.expires_at
                           ELSE rate_limit_counters.expires_at END
       RETURNING hits, expires_at`;

export interface RateLimitCount {
  readonly hits: number;
  readonly expiresAt: Date;
}

/** Parameters of {@link RATE_LIMIT_HIT_SQL}. */
export function rateLimitHitParams(key: string, windowMs: number, now: Date): [string, Date, Date] {
  return [key, new Date(now.getTime() + windowMs), now];
}

/** The row {@link RATE_LIMIT_HIT_SQL} returned. */
export function rateLimitCountOf(rows: unknown): RateLimitCount {
  const row = (rows as { hits: number | string; expires_at: Date | string }[])[0];
  if (row === undefined) throw new Error('rate limit upsert returned no row');
  return { hits: Number(row.hits), expiresAt: new Date(row.expires_at) };
}

/** The counter key of a caller's budget: `<class>:<principal kind>:<id>` (or `<class>:ip:<address>`). */
export function rateLimitKey(name: string, tracker: string): string {
  return `${name}:${tracker}`;
}

/** Seconds until the counted window ends, at least 1 (`RateLimit-Reset`, and `Retry-After` when over). */
export function resetSecondsOf(count: RateLimitCount, now: Date): number {
  return Math.max(1, Math.ceil((count.expiresAt.getTime() - now.getTime()) / 1000));
}

/** The `RateLimit-*` response headers (IETF draft), sent whether or not the request is refused. */
export function rateLimitHeaders(
  limit: number,
  hits: number,
  resetSeconds: number,
  windowMs: number,
  name: string,
): Record<string, string> {
  return {
    'RateLimit-Limit': String(limit),
    'RateLimit-Remaining': String(Math.max(0, limit - hits)),
    'RateLimit-Reset': String(resetSeconds),
    'RateLimit-Policy': `${limit};w=${Math.round(windowMs / 1000)};name="${name}"`,
  };
}

/** The refusal's detail, the same words on every server. */
export function rateLimitMessage(
  limit: number,
  windowMs: number,
  name: string,
  resetSeconds: number,
): string {
  return `Rate limit of ${limit} ${name} requests per ${Math.round(windowMs / 1000)} s exceeded; retry in ${resetSeconds} s.`;
}
