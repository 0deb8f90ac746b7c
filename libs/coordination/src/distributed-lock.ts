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
 * Session-lock statements go as simple queries with the keys inlined (bigints computed here, never
 * caller text): one message, one round trip, no statement to prepare — prepared statements would be
 * shared, and collide, on embedded PostgreSQL, where every connection is one session.
 */
/** `set_config(…, true)` lasts for this statement's implicit transaction; the CTE runs it first. */
const waitLock = (key: bigint, waitMs: number) => ({
  text: `WITH t AS MATERIALIZED (SELECT set_config('lock_timeout', '${waitMs}ms', true)) SELECT pg_advisory_lock('${key}'::bigint) FROM t`,
  rowMode: 'array' as const,
});

/** The most operations one batched statement carries. */
const MAX_BATCH = 256;

type SessionOp = 'pg_try_advisory_lock' | 'pg_advisory_unlock';

interface PendingOp {
  readonly op: SessionOp;
  readonly key: bigint;
  readonly resolve: (result: boolean) => void;
  readonly reject: (error: Error) => void;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * One lock connection, i.e. one database session, which may hold many advisory locks at once.
 * Try-once acquires and releases asked while a statement is in flight gather into the next one —
 * `SELECT pg_try_advisory_lock(a), pg_advisory_unlock(b), …` — so concurrent callers share round
 * trips instead of each paying one (the same group-commit idea as queue sends, DR-28). Any failure of
 * the connection ends the session, which frees every lock it held: its holders learn they lost them.
 */
class LockSession {
  private pending: PendingOp[] = [];
  private inFlight = false;
  private alive = true;
  readonly holders = new Set<SessionLock>();
  private readonly onError = (error: Error): void => this.end(error);

  constructor(
    private readonly client: PoolClient,
    /** Told once, when the session ended (its connection is already destroyed). */
    private readonly ended: (session: LockSession) => void,
  ) {
    client.on('error', this.onError);
  }

  get isAlive(): boolean {
    return this.alive;
  }

  /** Runs one try-lock or unlock in the next batched statement; rejects when the session ends first. */
  run(op: SessionOp, key: bigint): Promise<boolean> {
    if (!this.alive) return Promise.reject(new Error('lock connection lost'));
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ op, key, resolve, reject });
      // Callers resuming in this same turn join the batch: the statement goes at the end of it.
      if (!this.inFlight && this.pending.length === 1) queueMicrotask(() => this.flush());
    });
  }

  /**
   * Waits for `key` up to `waitMs` with `pg_advisory_lock` under a statement-local `lock_timeout`:
   * granted at once when free, false when the wait was cut short (55P03). Only on a session nobody
   * else is using, since the connection is blocked for as long as it waits.
   */
  async wait(key: bigint, waitMs: number): Promise<boolean> {
    if (!this.alive) throw new Error('lock connection lost');
    try {
      await this.client.query(waitLock(key, waitMs));
      return true;
    } catch (error) {
      if (sqlState(error) === LOCK_NOT_AVAILABLE) return false;
      this.end(asError(error));
      throw error;
    }
  }

  /** Ends the session: destroys the connection (the server frees its locks) and fails what waits on it. */
  end(failure: Error): void {
    if (!this.alive) return;
    this.alive = false;
    this.client.off('error', this.onError);
    this.client.release(failure);
    for (const holder of this.holders) holder.lost();
    this.holders.clear();
    for (const op of this.pending.splice(0)) op.reject(failure);
    this.ended(this);
  }

  /** Gives a healthy connection back to the pool (closing). */
  close(): void {
    if (!this.alive) return;
    this.alive = false;
    this.client.off('error', this.onError);
    this.client.release();
    const closed = new Error('DistributedLock is closed');
    for (const op of this.pending.splice(0)) op.reject(closed);
  }

  private flush(): void {
    if (this.inFlight || !this.alive || this.pending.length === 0) return;
    const batch = this.pending.splice(0, MAX_BATCH);
    this.inFlight = true;
    const text = `SELECT ${batch.map((p) => `${p.op}('${p.key}'::bigint)`).join(', ')}`;
    this.client.query<boolean[]>({ text, rowMode: 'array' }).then(
      (result) => {
        this.inFlight = false;
        const row = result.rows[0] ?? [];
        batch.forEach((p, i) => p.resolve(row[i] === true));
        this.flush();
      },
      (error: unknown) => {
        this.inFlight = false;
        const failure = asError(error);
        for (const p of batch) p.reject(failure);
        this.end(failure);
      },
    );
  }
}

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

  constructor(
    readonly resource: string,
    readonly key: bigint,
    private readonly session: LockSession,
    /** Forgets the handle once it is released (and frees the key in this process). */
    private readonly done: (session: LockSession) => void,
  ) {
    session.holders.add(this);
  }

  get held(): boolean {
    return this.state === 'held';
  }

  /** The session ended: the server freed the lock with it. */
  lost(): void {
    if (this.state === 'held') this.state = 'lost';
  }

  async release(): Promise<void> {
    if (this.state === 'released') return;
    const wasHeld = this.state === 'held';
    this.state = 'released';
    if (wasHeld) {
      try {
        await this.session.run('pg_advisory_unlock', this.key);
      } catch {
        // The statement failed and its session ended (see LockSession.end): closing the session freed
        // the lock, so it is released either way.
      }
    }
    this.session.holders.delete(this);
    this.done(this.session);
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
  /** The session try-once acquires and all releases of its locks share, opened on first use. */
  private shared: LockSession | undefined;
  private opening: Promise<LockSession | undefined> | undefined;
  /**
   * Sessions for acquires that wait (a waiting statement blocks its connection), kept between holds
   * (no pool round trip, no timer per acquire) while they hold nothing.
   */
  private readonly spare: LockSession[] = [];
  private readonly sessions = new Set<LockSession>();
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
    const refuse = (): null => {
      this.local.release(localKey);
      this.waitTimedOut.observe((performance.now() - started) / 1000);
      return null;
    };

    // A key free in this process is taken without waiting for a promise.
    if (!this.local.tryAcquire(localKey) && !(await this.local.acquire(localKey, timeoutMs))) {
      this.waitTimedOut.observe((performance.now() - started) / 1000);
      return null;
    }
    let session: LockSession | undefined;
    try {
      // Trying once (timeoutMs 0) still needs a connection: opening one may take a moment.
      session = await this.sharedSession(timeoutMs > 0 ? remaining() : CONNECT_GRACE_MS);
      if (session === undefined) return refuse();
      if (!(await session.run('pg_try_advisory_lock', key))) {
        // Held elsewhere: wait for it, when allowed, on a session of its own.
        const waitMs = Math.floor(remaining());
        if (waitMs <= 0) return refuse();
        session = await this.spareSession(waitMs);
        if (session === undefined) return refuse();
        if (!(await session.wait(key, Math.floor(remaining())))) {
          this.keepSpare(session);
          return refuse();
        }
      }
    } catch (error) {
      this.local.release(localKey);
      throw error;
    }
    this.waitAcquired.observe((performance.now() - started) / 1000);
    this.metrics.locksHeld.inc();
    const handle: LockHandle = new SessionLock(resource, key, session, (holder) => {
      if (holder !== this.shared) this.keepSpare(holder);
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

  /**
   * Which of `resources` are locked right now by any session of this database (this process's or
   * another's), read from `pg_locks` without taking them. A lock is free here once its holder released
   * it or the holder's session ended (e.g. its process was killed).
   */
  async heldAnywhere(resources: readonly string[]): Promise<Set<string>> {
    if (resources.length === 0) return new Set();
    const byKey = new Map(resources.map((resource) => [lockKey(resource).toString(), resource]));
    const result = await this.pool.query<{ key: string }>(
      `SELECT ((classid::bigint << 32) | objid::bigint)::text AS key FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
         AND ((classid::bigint << 32) | objid::bigint) = ANY($1::bigint[])`,
      [[...byKey.keys()]],
    );
    const held = new Set<string>();
    for (const row of result.rows) {
      const resource = byKey.get(row.key);
      if (resource !== undefined) held.add(resource);
    }
    return held;
  }

  /** Releases the locks still held and closes the lock connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.held].map((handle) => handle.release()));
    await this.opening?.catch(() => undefined);
    for (const session of this.sessions) session.close();
    this.sessions.clear();
    this.spare.length = 0;
    this.shared = undefined;
    await this.pool.end();
  }

  /** The shared session, opened within `timeoutMs` when there is none (undefined when it was not). */
  private async sharedSession(timeoutMs: number): Promise<LockSession | undefined> {
    if (this.shared !== undefined) return this.shared;
    // Concurrent first acquires open one session between them.
    this.opening ??= this.open(timeoutMs).finally(() => (this.opening = undefined));
    const session = await this.opening;
    if (session === undefined) return undefined;
    if (this.shared === undefined && session.isAlive && !this.closed) this.shared = session;
    else if (this.shared !== session) this.keepSpare(session);
    return this.shared;
  }

  /** A session nobody else uses, for a wait: a kept one, or a new connection within `timeoutMs`. */
  private async spareSession(timeoutMs: number): Promise<LockSession | undefined> {
    for (let kept = this.spare.pop(); kept !== undefined; kept = this.spare.pop()) {
      if (kept.isAlive) return kept;
    }
    // A pool with no connection to spare (e.g. of size 1) waits on the shared session: correct, if
    // slower, since its other statements queue behind the wait.
    if (this.shared?.isAlive === true && this.sessions.size >= (this.pool.options.max ?? 10)) {
      return this.shared;
    }
    return this.open(timeoutMs);
  }

  /** Keeps a healthy session that holds nothing for the next wait. */
  private keepSpare(session: LockSession): void {
    if (session === this.shared || !session.isAlive || session.holders.size > 0) return;
    if (this.spare.includes(session)) return;
    if (this.closed) {
      session.close();
      this.sessions.delete(session);
      return;
    }
    this.spare.push(session);
  }

  /** A new session within `timeoutMs`, or undefined; a connection that comes late is kept as a spare. */
  private async open(timeoutMs: number): Promise<LockSession | undefined> {
    const pending = this.pool.connect().then((client) => {
      const session = new LockSession(client, (ended) => {
        this.sessions.delete(ended);
        if (this.shared === ended) this.shared = undefined;
        const index = this.spare.indexOf(ended);
        if (index >= 0) this.spare.splice(index, 1);
      });
      this.sessions.add(session);
      return session;
    });
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), Math.max(0, timeoutMs));
    });
    const session = await Promise.race([pending, expired]);
    clearTimeout(timer);
    if (session === undefined) {
      pending.then(
        (late) => this.keepSpare(late),
        () => undefined,
      );
    }
    return session;
  }
}
