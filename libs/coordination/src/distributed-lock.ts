import { performance } from 'node:perf_hooks';
import type { Database } from '@hotswap/database';
import type { Pool, PoolClient } from 'pg';
import { CoordinationMetrics } from './coordination.metrics';
import { LocalMutex } from './local-mutex';
import { assertResourceName, lockKey } from './lock-key';

/** How long a try-once acquire may wait for a connection of the lock pool. */
const CONNECT_GRACE_MS = 1_000;

/** PostgreSQL's SQLSTATE for a lock wait cut short by `lock_timeout`. */
const LOCK_NOT_AVAILABLE = '55P03';

/*
 * Session-lock statements go as simple queries with the key inlined (a bigint computed here, never
 * caller text): one message, one round trip, no statement to prepare — prepared statements would be
 * shared, and collide, on embedded PostgreSQL, where every connection is one session.
 */
const tryLock = (key: bigint) => ({
  text: `SELECT pg_try_advisory_lock('${key}'::bigint)`,
  rowMode: 'array' as const,
});
/** `set_config(…, true)` lasts for this statement's implicit transaction; the CTE runs it first. */
const waitLock = (key: bigint, waitMs: number) => ({
  text: `WITH t AS MATERIALIZED (SELECT set_config('lock_timeout', '${waitMs}ms', true)) SELECT pg_advisory_lock('${key}'::bigint) FROM t`,
  rowMode: 'array' as const,
});
const unlock = (key: bigint) => ({
  text: `SELECT pg_advisory_unlock('${key}'::bigint)`,
  rowMode: 'array' as const,
});

export interface AcquireOptions {
  /** How long to wait for the lock; 0 (the default) tries once. */
  readonly timeoutMs?: number;
}

/** A session-level lock held on a dedicated connection until {@link release} (or that connection dies). */
export interface LockHandle {
  readonly resource: string;
  /** The advisory-lock key derived from the resource name. */
  readonly key: bigint;
  /** False once released, or once the connection holding it was lost (the server then freed it). */
  readonly held: boolean;
  /** Releases the lock. Safe to call more than once and after the connection was lost. */
  release(): Promise<void>;
}

/** Thrown by {@link DistributedLock.withTransactionLock} when the lock was not granted in time. */
export class LockTimeoutError extends Error {
  constructor(
    readonly resource: string,
    readonly timeoutMs: number,
  ) {
    super(`lock '${resource}' was not granted within ${timeoutMs} ms`);
    this.name = 'LockTimeoutError';
  }
}

function sqlState(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if ('code' in error && typeof error.code === 'string') return error.code;
  if ('driverError' in error) return sqlState(error.driverError);
  return undefined;
}

function firstRow(rows: unknown): Record<string, unknown> {
  const row: unknown = Array.isArray(rows) ? rows[0] : undefined;
  return typeof row === 'object' && row !== null ? (row as Record<string, unknown>) : {};
}

class SessionLock implements LockHandle {
  private state: 'held' | 'released' | 'lost' = 'held';
  private readonly onError = (): void => {
    // The server ends the session with the connection, which frees the lock.
    if (this.state === 'held') this.state = 'lost';
  };

  constructor(
    readonly resource: string,
    readonly key: bigint,
    private readonly client: PoolClient,
    /** Takes the connection back (to keep, or to destroy with the failure) and forgets the handle. */
    private readonly done: (client: PoolClient, failure: Error | undefined) => void,
  ) {
    client.on('error', this.onError);
  }

  get held(): boolean {
    return this.state === 'held';
  }

  async release(): Promise<void> {
    if (this.state === 'released') return;
    const wasHeld = this.state === 'held';
    this.state = 'released';
    let failure: Error | undefined;
    if (wasHeld) {
      try {
        await this.client.query(unlock(this.key));
      } catch (error) {
        failure = error instanceof Error ? error : new Error(String(error));
      }
    } else {
      failure = new Error('connection lost');
    }
    this.client.off('error', this.onError);
    // A connection that failed to unlock is destroyed, not reused: closing the session frees the lock.
    this.done(this.client, failure);
  }
}

/**
 * Distributed locks on PostgreSQL advisory locks, keyed by the first 64 bits of sha256(resource).
 *
 * - {@link acquire}: a session-level lock held on a dedicated connection from its own pool, for long
 *   holds; the server frees it when the holder releases it or its connection dies (process killed).
 * - {@link withTransactionLock}: a transaction-level lock for short critical sections, taken in the
 *   `Database` transaction (the caller's, if one is open) and freed when it ends.
 *
 * Within one process a key is first taken locally (see {@link LocalMutex}), so the same code is
 * correct on embedded PostgreSQL, where every connection shares one session.
 */
export class DistributedLock {
  private readonly local = new LocalMutex();
  private readonly held = new Set<LockHandle>();
  /**
   * Lock connections between holds. A connection is checked out of the pool once and then kept for
   * the next acquire (no pool round trip, no timer per acquire); one that failed is destroyed.
   */
  private readonly idle: PoolClient[] = [];
  /** Connections with this lock's error listener (the pool removes its own while one is checked out). */
  private readonly adopted = new WeakSet<PoolClient>();
  private closed = false;
  /** The session-lock wait histogram's two series, bound once (labelling per observation costs). */
  private readonly waitAcquired;
  private readonly waitTimedOut;

  constructor(
    private readonly pool: Pool,
    private readonly database: Database | undefined,
    private readonly metrics: CoordinationMetrics = CoordinationMetrics.standalone(),
  ) {
    this.waitAcquired = metrics.lockWait.labels({ kind: 'session', outcome: 'acquired' });
    this.waitTimedOut = metrics.lockWait.labels({ kind: 'session', outcome: 'timeout' });
  }

  /** The lock on `resource`, or null when it was not free within `timeoutMs`. */
  async acquire(resource: string, options: AcquireOptions = {}): Promise<LockHandle | null> {
    assertResourceName(resource);
    if (this.closed) throw new Error('DistributedLock is closed');
    const timeoutMs = Math.max(0, options.timeoutMs ?? 0);
    const key = lockKey(resource);
    const localKey = key.toString();
    const started = performance.now();
    const remaining = (): number => timeoutMs - (performance.now() - started);
    const outcome = (acquired: boolean): void => {
      (acquired ? this.waitAcquired : this.waitTimedOut).observe((performance.now() - started) / 1000);
    };

    // A key free in this process is taken without waiting for a promise.
    if (!this.local.tryAcquire(localKey) && !(await this.local.acquire(localKey, timeoutMs))) {
      outcome(false);
      return null;
    }
    let client: PoolClient | undefined;
    try {
      // Trying once (timeoutMs 0) still needs a connection: opening one may take a moment.
      client = await this.connect(timeoutMs > 0 ? remaining() : CONNECT_GRACE_MS);
      if (client === undefined) {
        this.local.release(localKey);
        outcome(false);
        return null;
      }
      const granted = await this.lockOn(client, key, remaining());
      if (!granted) {
        this.giveBack(client, undefined);
        this.local.release(localKey);
        outcome(false);
        return null;
      }
    } catch (error) {
      client?.release(error instanceof Error ? error : new Error(String(error)));
      this.local.release(localKey);
      throw error;
    }
    outcome(true);
    this.metrics.locksHeld.inc();
    const handle: LockHandle = new SessionLock(resource, key, client, (connection, failure) => {
      this.giveBack(connection, failure);
      this.held.delete(handle);
      this.metrics.locksHeld.dec();
      this.local.release(localKey);
    });
    this.held.add(handle);
    return handle;
  }

  /**
   * Runs `work` holding a transaction-level lock on `resource`, inside `Database.transaction` (joining
   * the caller's transaction when there is one: the lock is then held until that one ends). Without
   * `timeoutMs` it waits as long as it takes; with it, a lock not granted in time throws
   * {@link LockTimeoutError} — which, like any error, rolls the whole transaction back.
   */
  async withTransactionLock<T>(
    resource: string,
    work: () => Promise<T>,
    options: AcquireOptions = {},
  ): Promise<T> {
    assertResourceName(resource);
    const database = this.database;
    if (database === undefined) throw new Error('DistributedLock was created without a Database');
    const key = lockKey(resource).toString();
    return database.transaction(async () => {
      const manager = database.manager();
      const started = performance.now();
      const observe = (outcome: 'acquired' | 'timeout'): void =>
        this.metrics.lockWait.observe({ kind: 'transaction', outcome }, (performance.now() - started) / 1000);
      if (options.timeoutMs === undefined) {
        await manager.query('SELECT pg_advisory_xact_lock($1)', [key]);
      } else {
        const tried = firstRow(
          await manager.query(
            "SELECT pg_try_advisory_xact_lock($1) AS ok, current_setting('lock_timeout') AS previous",
            [key],
          ),
        );
        if (tried.ok !== true) {
          const timeoutMs = Math.max(0, Math.round(options.timeoutMs));
          if (timeoutMs === 0) {
            observe('timeout');
            throw new LockTimeoutError(resource, timeoutMs);
          }
          await manager.query("SELECT set_config('lock_timeout', $1, true)", [`${timeoutMs}ms`]);
          try {
            await manager.query('SELECT pg_advisory_xact_lock($1)', [key]);
          } catch (error) {
            if (sqlState(error) === LOCK_NOT_AVAILABLE) {
              observe('timeout');
              throw new LockTimeoutError(resource, timeoutMs);
            }
            throw error;
          }
          await manager.query("SELECT set_config('lock_timeout', $1, true)", [
            typeof tried.previous === 'string' ? tried.previous : '0',
          ]);
        }
      }
      observe('acquired');
      return work();
    });
  }

  /** Releases the locks still held and closes the lock connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.held].map((handle) => handle.release()));
    for (const client of this.idle.splice(0)) client.release();
    await this.pool.end();
  }

  /** Keeps a healthy connection for the next acquire; destroys a failed one (ending its session). */
  private giveBack(client: PoolClient, failure: Error | undefined): void {
    if (failure !== undefined || this.closed) client.release(failure);
    else this.idle.push(client);
  }

  /**
   * Listens for the connection's errors for as long as this lock uses it: an error while it is kept
   * idle destroys it (a held lock learns of it through its handle; a query in progress fails).
   */
  private adopt(client: PoolClient): PoolClient {
    if (this.adopted.has(client)) return client;
    this.adopted.add(client);
    client.on('error', (error: Error) => {
      const index = this.idle.indexOf(client);
      if (index < 0) return;
      this.idle.splice(index, 1);
      client.release(error);
    });
    return client;
  }

  /** A lock connection within `timeoutMs`, or undefined; a late connection is kept for later. */
  private async connect(timeoutMs: number): Promise<PoolClient | undefined> {
    const kept = this.idle.pop();
    if (kept !== undefined) return kept;
    const pending = this.pool.connect();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, timeoutMs));
    });
    const client = await Promise.race([pending.then((c) => this.adopt(c)), expired]);
    clearTimeout(timer);
    if (client === undefined) {
      pending.then(
        (late) => this.giveBack(this.adopt(late), undefined),
        () => undefined,
      );
    }
    return client;
  }

  /**
   * One round trip either way: a try-once acquire asks `pg_try_advisory_lock`; an acquire that may wait
   * asks `pg_advisory_lock` under a statement-local `lock_timeout` (granted at once when free; a wait
   * cut short by the timeout fails with 55P03, and the setting ends with the statement).
   */
  private async lockOn(client: PoolClient, key: bigint, timeoutMs: number): Promise<boolean> {
    const waitMs = Math.floor(timeoutMs);
    if (waitMs <= 0) {
      const tried = await client.query<[boolean]>(tryLock(key));
      return tried.rows[0]?.[0] === true;
    }
    try {
      await client.query(waitLock(key, waitMs));
      return true;
    } catch (error) {
      if (sqlState(error) === LOCK_NOT_AVAILABLE) return false;
      throw error;
    }
  }
}
