import type { Database } from '@hotswap/database';
import type { QueryResult, QueryRunner } from 'typeorm';

/** What one attempt to take or keep a lease found. */
export type LeaseAttempt =
  | { readonly acquired: true; readonly epoch: number }
  | {
      readonly acquired: false;
      readonly holder: string | undefined;
      readonly epoch: number | undefined;
      /** How long the current holder's lease still runs, by the database clock. */
      readonly remainingMs: number;
    };

export interface LeaseState {
  readonly holder: string;
  readonly epoch: number;
  readonly expired: boolean;
}

// One statement: take the lease if it is free, expired or already ours (a new term — epoch + 1 —
// unless it is our own unexpired lease), else report who holds it and for how long. Concurrent
// candidates serialize on the row; READ COMMITTED re-checks the WHERE against the winner's row.
const ATTEMPT_SQL = `
WITH attempt AS (
  INSERT INTO leader_lease AS l (name, holder, epoch, acquired_at, renewed_at, expires_at)
  VALUES ($1, $2, 1, now(), now(), now() + $3 * interval '1 millisecond')
  ON CONFLICT (name) DO UPDATE SET
    epoch = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now() THEN l.epoch ELSE l.epoch + 1 END,
    acquired_at = CASE WHEN l.holder = EXCLUDED.holder AND l.expires_at > now() THEN l.acquired_at ELSE now() END,
    holder = EXCLUDED.holder,
    renewed_at = now(),
    expires_at = EXCLUDED.expires_at
  WHERE l.holder = EXCLUDED.holder OR l.expires_at <= now()
  RETURNING l.epoch
)
SELECT true AS acquired, epoch::text AS epoch, NULL::text AS holder, 0::float8 AS remaining_ms FROM attempt
UNION ALL
SELECT false, c.epoch::text, c.holder, GREATEST(0, EXTRACT(EPOCH FROM (c.expires_at - now())) * 1000)::float8
FROM leader_lease c
WHERE c.name = $1 AND NOT EXISTS (SELECT 1 FROM attempt)`;

/** Raw SQL over the `leader_lease` table (see `LeaderLeaseEntity`). */
export class LeaderLeaseRepository {
  constructor(private readonly database: Database) {}

  async attempt(name: string, holder: string, ttlMs: number): Promise<LeaseAttempt> {
    const rows = await this.database
      .manager()
      .query<
        { acquired: boolean; epoch: string | null; holder: string | null; remaining_ms: number | string }[]
      >(ATTEMPT_SQL, [name, holder, ttlMs]);
    const row = rows[0];
    if (row === undefined) return { acquired: false, holder: undefined, epoch: undefined, remainingMs: 0 };
    if (row.acquired) return { acquired: true, epoch: Number(row.epoch) };
    return {
      acquired: false,
      holder: row.holder ?? undefined,
      epoch: row.epoch === null ? undefined : Number(row.epoch),
      remainingMs: Number(row.remaining_ms),
    };
  }

  /** Ends our term at once (graceful shutdown), so another replica need not wait for the expiry. */
  async resign(name: string, holder: string, epoch: number): Promise<void> {
    await this.database
      .manager()
      .query('UPDATE leader_lease SET expires_at = now() WHERE name = $1 AND holder = $2 AND epoch = $3', [
        name,
        holder,
        String(epoch),
      ]);
  }

  async current(name: string): Promise<LeaseState | undefined> {
    const rows = await this.database
      .manager()
      .query<{ holder: string; epoch: string; expired: boolean }[]>(
        'SELECT holder, epoch::text AS epoch, expires_at <= now() AS expired FROM leader_lease WHERE name = $1',
        [name],
      );
    const row = rows[0];
    return row === undefined
      ? undefined
      : { holder: row.holder, epoch: Number(row.epoch), expired: row.expired };
  }

  /** Runs one statement and returns how many rows it wrote (or returned). */
  async execute(sql: string, params: readonly unknown[]): Promise<number> {
    const manager = this.database.manager();
    const own: QueryRunner | undefined =
      manager.queryRunner === undefined ? this.database.dataSource.createQueryRunner() : undefined;
    const runner = manager.queryRunner ?? own;
    if (runner === undefined) throw new Error('no query runner');
    try {
      const result: QueryResult = await runner.query(sql, [...params], true);
      return typeof result.affected === 'number'
        ? result.affected
        : Array.isArray(result.records)
          ? result.records.length
          : 0;
    } finally {
      await own?.release();
    }
  }
}
