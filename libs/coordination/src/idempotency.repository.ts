import { randomUUID } from 'node:crypto';
import type { Database } from '@hotswap/database';

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** What claiming a key found. */
export type ClaimResult =
  | { readonly kind: 'claimed'; readonly claimId: string }
  | { readonly kind: 'in_flight'; readonly sameRequest: boolean }
  | { readonly kind: 'completed'; readonly sameRequest: boolean; readonly response: StoredResponse };

export interface ClaimInput {
  readonly scope: string;
  readonly key: string;
  readonly requestHash: string;
  readonly ttlMs: number;
  readonly inFlightTimeoutMs: number;
}

// Takes the key when it is new, expired, or held by an attempt that was abandoned (its process died
// before completing or releasing it). An in-progress or completed key is left alone.
const CLAIM_SQL = `
INSERT INTO idempotency_key AS k
  (scope, key, request_hash, state, claim_id, response_status, response_body, response_headers, created_at, locked_until, expires_at)
VALUES ($1, $2, $3, 'in_flight', $4, NULL, NULL, NULL, now(), now() + $6 * interval '1 millisecond', now() + $5 * interval '1 millisecond')
ON CONFLICT (scope, key) DO UPDATE SET
  request_hash = EXCLUDED.request_hash, state = 'in_flight', claim_id = EXCLUDED.claim_id,
  response_status = NULL, response_body = NULL, response_headers = NULL,
  created_at = EXCLUDED.created_at, locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at
WHERE k.expires_at <= now() OR (k.state = 'in_flight' AND k.locked_until <= now())
RETURNING claim_id`;

/** Raw SQL over the `idempotency_key` table (see `IdempotencyKeyEntity`). */
export class IdempotencyRepository {
  constructor(private readonly database: Database) {}

  /** Claims the key for this request, or reports what holds it. Runs outside any transaction. */
  async claim(input: ClaimInput): Promise<ClaimResult> {
    const query = <T>(sql: string, params: unknown[]): Promise<T> =>
      this.database.dataSource.query<T>(sql, params);
    // A row that vanishes between the claim and the read (pruned) is claimed on the next turn.
    for (let turn = 0; turn < 3; turn++) {
      const claimId = randomUUID();
      const claimed = await query<{ claim_id: string }[]>(CLAIM_SQL, [
        input.scope,
        input.key,
        input.requestHash,
        claimId,
        input.ttlMs,
        input.inFlightTimeoutMs,
      ]);
      if (claimed.length > 0) return { kind: 'claimed', claimId };
      const rows = await query<
        {
          request_hash: string;
          state: string;
          response_status: number | null;
          response_body: unknown;
          response_headers: Record<string, string> | null;
        }[]
      >(
        `SELECT request_hash, state, response_status, response_body, response_headers
         FROM idempotency_key WHERE scope = $1 AND key = $2`,
        [input.scope, input.key],
      );
      const row = rows[0];
      if (row === undefined) continue;
      const sameRequest = row.request_hash === input.requestHash;
      if (row.state !== 'completed') return { kind: 'in_flight', sameRequest };
      return {
        kind: 'completed',
        sameRequest,
        response: {
          status: row.response_status ?? 200,
          body: row.response_body,
          headers: row.response_headers ?? {},
        },
      };
    }
    throw new Error('could not claim the idempotency key');
  }

  /**
   * Stores the response of the claim `claimId`. Runs in the request's transaction, so the response
   * is stored if and only if the request's effects commit; false means the claim was taken over.
   */
  async complete(scope: string, key: string, claimId: string, response: StoredResponse): Promise<boolean> {
    const rows = await this.database.manager().query<unknown[]>(
      `UPDATE idempotency_key
       SET state = 'completed', response_status = $4, response_body = $5::jsonb, response_headers = $6::jsonb
       WHERE scope = $1 AND key = $2 AND claim_id = $3 AND state = 'in_flight'
       RETURNING 1`,
      [
        scope,
        key,
        claimId,
        response.status,
        JSON.stringify(response.body ?? null),
        JSON.stringify(response.headers),
      ],
    );
    return rows.length > 0;
  }

  /** Gives the key back after the request failed (nothing was committed), so it can be retried. */
  async release(scope: string, key: string, claimId: string): Promise<void> {
    await this.database.dataSource.query(
      "DELETE FROM idempotency_key WHERE scope = $1 AND key = $2 AND claim_id = $3 AND state = 'in_flight'",
      [scope, key, claimId],
    );
  }

  /** Deletes expired keys, at most `batch` per statement; returns how many went. */
  async pruneExpired(batch = 1_000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.database.dataSource.query<unknown[]>(
        `DELETE FROM idempotency_key WHERE ctid = ANY(ARRAY(
           SELECT ctid FROM idempotency_key WHERE expires_at <= now() LIMIT $1))
         RETURNING 1`,
        [batch],
      );
      total += rows.length;
      if (rows.length < batch) return total;
    }
  }
}
