import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { StatementNames, type Database } from '@hotswap/database';
import {
  PgBoss,
  type Db,
  type JobInsert,
  type JobResult,
  type JobWithMetadata,
  type SendOptions,
} from 'pg-boss';
import { DEFAULT_RETRY_POLICY, isLastAttempt, type RetryPolicy } from './backoff';
import { CoordinationMetrics, type QueueDepths } from './coordination.metrics';
import { nextOccurrence, occurrenceId } from './cron-schedule';

/** setTimeout's longest delay; a later occurrence is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Most jobs one coalesced insert carries (see `JobQueue.send`). */
const MAX_SEND_BATCH = 500;
/** Coalesced inserts of one queue in flight at once; later sends wait and join the next one. */
const MAX_SEND_FLUSHES = 2;

/** A send waiting for the next coalesced insert of its queue. */
interface PendingSend {
  readonly job: JobInsert & { id: string };
  readonly resolve: (id: string | null) => void;
  readonly reject: (error: unknown) => void;
}

/** The schema pg-boss keeps its tables in (it creates and migrates them itself). */
export const QUEUE_SCHEMA = 'pgboss';
const DEAD_LETTER_SUFFIX = '.dlq';
const QUEUE_NAME = /^[a-z0-9][a-z0-9_.\-/]*$/i;
// pg-boss allows 50 bytes; the dead-letter queue's name adds the suffix.
const MAX_QUEUE_NAME_BYTES = 50 - DEAD_LETTER_SUFFIX.length;

/** Per-queue overrides of the configured retry policy and job timeout. */
export interface QueuePolicy extends Partial<RetryPolicy> {
  /** How long one attempt may run before it counts as failed (and the job is retried elsewhere). */
  readonly timeoutSeconds?: number;
  /**
   * Handlers of this queue's jobs refresh a heartbeat every half of this (≥ 10 s); an attempt whose
   * heartbeat stops (its process died) is failed, and so retried elsewhere, by the next supervise
   * pass — long before `timeoutSeconds` for long-running jobs.
   */
  readonly heartbeatSeconds?: number;
}

/** A named queue whose jobs carry payloads of type `T`. Declare one per kind of job, once. */
export interface QueueDefinition<T extends object> {
  readonly name: string;
  readonly deadLetterName: string;
  readonly policy: QueuePolicy;
  /** Type-level only: ties the definition to its payload type. */
  readonly payload?: T;
}

export function defineQueue<T extends object>(name: string, policy: QueuePolicy = {}): QueueDefinition<T> {
  if (!QUEUE_NAME.test(name) || Buffer.byteLength(name, 'utf8') > MAX_QUEUE_NAME_BYTES) {
    throw new Error(
      `queue name '${name}' must be 1–${MAX_QUEUE_NAME_BYTES} characters of letters, digits, _ . - /, starting with a letter or digit`,
    );
  }
  if (name.endsWith(DEAD_LETTER_SUFFIX))
    throw new Error(`queue name '${name}' must not end with ${DEAD_LETTER_SUFFIX}`);
  return { name, deadLetterName: `${name}${DEAD_LETTER_SUFFIX}`, policy };
}

/** What a handler gets: the payload plus what it needs to be idempotent. */
export interface JobContext<T> {
  readonly id: string;
  readonly queue: string;
  /** 1 on the first attempt, 2 on the first retry, … */
  readonly attempt: number;
  /** Attempts the job gets in all (retries + 1). */
  readonly maxAttempts: number;
  readonly data: T;
  readonly createdAt: Date;
  /** Aborted when the attempt timed out or the queue is shutting down past its grace period. */
  readonly signal: AbortSignal;
}

/** Handlers must be idempotent: a job can run again after a crash, a timeout or a lost completion. */
export type JobHandler<T> = (job: JobContext<T>) => Promise<void>;

export interface WorkOptions {
  /** Jobs of this queue handled at once by this process (default 4). */
  readonly concurrency?: number;
  /** Jobs fetched per poll (default: `concurrency`, at most 100); a full batch is followed by another fetch at once. */
  readonly batchSize?: number;
  /** Polling interval when idle; default the configured QUEUE_POLLING_INTERVAL_MS. */
  readonly pollingIntervalMs?: number;
}

export interface SendJobOptions {
  /** Run no earlier than this many ms from now. */
  readonly startAfterMs?: number;
  /** At most one queued job with this key (further sends return null). */
  readonly singletonKey?: string;
  /** A caller-chosen job id (uuid), so a repeated send does not enqueue twice. */
  readonly id?: string;
}

export interface DeadLetter<T> {
  /** The id of the job in the dead-letter queue. */
  readonly id: string;
  /** The id of the job that failed. */
  readonly sourceId: string | null;
  readonly data: T;
  /** The error of the last attempt, as the handler threw it (name, message). */
  readonly error: unknown;
  /** Attempts made before it was given up. */
  readonly attempts: number | null;
  readonly deadLetteredAt: Date;
}

export interface JobQueueSettings {
  readonly url: string;
  readonly poolSize: number;
  /** Embedded PostgreSQL: no LISTEN/NOTIFY across connections, so none is used. */
  readonly embedded: boolean;
  /**
   * Prepare the queue's frequent statements once per connection (DR-52, DR-54): off on the embedded
   * database and with `DATABASE_PREPARED_STATEMENTS=false`.
   */
  readonly preparedStatements?: boolean;
  readonly retry: RetryPolicy;
  readonly jobTimeoutSeconds: number;
  readonly pollingIntervalMs: number;
  readonly superviseIntervalSeconds: number;
  readonly applicationName?: string;
}

export class QueueStoppedError extends Error {
  constructor() {
    super('the job queue is not running');
    this.name = 'QueueStoppedError';
  }
}

function serializeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/**
 * A typed job queue on pg-boss. Queues are created on first use with a dead-letter queue each;
 * failed jobs are retried with exponential backoff (see `retryDelayWindow`), then dead-lettered with
 * their payload and last error. Latency comes from batch fetches that continue while batches are
 * full, NOTIFY wake-ups on a server, and in-process wake-ups of local workers after each send (the
 * only fast path on embedded PostgreSQL, where NOTIFY does not cross connections).
 */
export class JobQueue {
  private readonly logger = new Logger('JobQueue');
  private boss: PgBoss | undefined;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly known = new Map<string, QueueDefinition<object>>();
  /** Queues created (with their dead-letter queues) by this process. */
  private readonly registered = new Set<string>();
  private state: 'new' | 'running' | 'stopped' = 'new';
  private readonly schedules = new Map<string, NodeJS.Timeout>();
  /** Sends outside a transaction waiting for their queue's next insert, by queue. */
  private readonly pendingSends = new Map<string, PendingSend[]>();
  /** Coalesced inserts in flight, by queue. */
  private readonly sendFlushes = new Map<string, number>();
  private readonly scheduledFlushes = new Set<string>();
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly settings: JobQueueSettings,
    private readonly database: Database | undefined,
    private readonly metrics: CoordinationMetrics = CoordinationMetrics.standalone(),
  ) {}

  get running(): boolean {
    return this.state === 'running';
  }

  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error(`the job queue cannot start when ${this.state}`);
    const boss = new PgBoss({
      connectionString: this.settings.url,
      max: this.settings.poolSize,
      application_name: this.settings.applicationName ?? 'hotswap-queue',
      schema: QUEUE_SCHEMA,
      useListenNotify: !this.settings.embedded,
      // Expired attempts (a worker died or hung) are failed, and so retried, by the monitor pass, which
      // runs no more often than both intervals allow.
      superviseIntervalSeconds: this.settings.superviseIntervalSeconds,
      monitorIntervalSeconds: this.settings.superviseIntervalSeconds,
      // Schedules are ours (see schedule()): no pg-boss timekeeper.
      schedule: false,
      openTelemetry: { enabled: false },
    });
    if (this.settings.preparedStatements === true) prepareFrequentStatements(boss);
    boss.on('error', (error) => this.logger.error({ msg: 'job queue error', err: error }));
    boss.on('warning', (warning) => this.logger.warn({ msg: warning.message, data: warning.data }));
    await boss.start();
    this.boss = boss;
    this.state = 'running';
    this.metrics.setQueueDepthSource(() => this.depths());
  }

  /**
   * Stops fetching, lets running handlers finish for up to `timeoutMs`, then fails what is still
   * running (so it is retried elsewhere) and closes the connections.
   */
  async stop(timeoutMs: number): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    for (const timer of this.schedules.values()) clearTimeout(timer);
    this.schedules.clear();
    this.metrics.setQueueDepthSource(undefined);
    // Sends already accepted are inserted before the connections close.
    for (const name of [...this.pendingSends.keys()]) this.flushSends(name);
    await this.sendsSettled();
    await this.boss?.stop({ graceful: true, timeout: Math.max(1_000, timeoutMs), close: true });
  }

  /** Creates the queue and its dead-letter queue if needed (done implicitly by every other call). */
  register<T extends object>(queue: QueueDefinition<T>): Promise<void> {
    const existing = this.queues.get(queue.name);
    if (existing !== undefined) return existing;
    const created = this.createQueue(queue).then(
      () => {
        this.registered.add(queue.name);
      },
      (error: unknown) => {
        this.queues.delete(queue.name);
        throw error;
      },
    );
    this.queues.set(queue.name, created);
    this.known.set(queue.name, queue);
    return created;
  }

  /**
   * Enqueues one job and returns its id (null when a singleton key or an existing job with the same
   * id suppressed it). Inside a `Database.transaction` the job is inserted in that transaction: it
   * exists only if it commits. Outside one, sends are group-committed: those issued in the same turn
   * of the event loop, or while the queue's previous inserts are still committing, go to PostgreSQL as
   * one multi-row insert (one commit for all), and each caller learns its own outcome once it commits.
   */
  async send<T extends object>(
    queue: QueueDefinition<T>,
    data: T,
    options: SendJobOptions = {},
  ): Promise<string | null> {
    const boss = this.requireRunning();
    // Once the queue exists, a send joins the pending batch without yielding first.
    if (!this.registered.has(queue.name)) await this.register(queue);
    const startAfter =
      options.startAfterMs === undefined ? undefined : new Date(Date.now() + options.startAfterMs);
    const db = this.transactionDb();
    if (db !== undefined) {
      const sendOptions: SendOptions = { db };
      if (startAfter !== undefined) sendOptions.startAfter = startAfter;
      if (options.singletonKey !== undefined) sendOptions.singletonKey = options.singletonKey;
      if (options.id !== undefined) sendOptions.id = options.id;
      return boss.send(queue.name, data, sendOptions);
    }
    // Checked again: the queue may have stopped while registering.
    this.requireRunning();
    const job: JobInsert & { id: string } = { id: options.id ?? randomUUID(), data };
    if (startAfter !== undefined) job.startAfter = startAfter;
    if (options.singletonKey !== undefined) job.singletonKey = options.singletonKey;
    return new Promise<string | null>((resolve, reject) => {
      const pending = this.pendingSends.get(queue.name) ?? [];
      this.pendingSends.set(queue.name, pending);
      pending.push({ job, resolve, reject });
      if (pending.length >= MAX_SEND_BATCH) this.flushSends(queue.name);
      else this.scheduleFlush(queue.name);
    });
  }

  /** Enqueues many jobs in one statement; returns their ids in order. */
  async sendMany<T extends object>(queue: QueueDefinition<T>, items: readonly T[]): Promise<string[]> {
    const boss = this.requireRunning();
    await this.register(queue);
    if (items.length === 0) return [];
    const db = this.transactionDb();
    const ids = await boss.insert(
      queue.name,
      items.map((data) => ({ data })),
      db === undefined ? { returnId: true } : { returnId: true, db },
    );
    if (db === undefined) this.wakeLocalWorkers(queue.name);
    return ids ?? [];
  }

  /** Handles the queue's jobs in this process until {@link stop}. */
  async work<T extends object>(
    queue: QueueDefinition<T>,
    handler: JobHandler<T>,
    options: WorkOptions = {},
  ): Promise<void> {
    const boss = this.requireRunning();
    await this.register(queue);
    const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
    const batchSize = Math.max(1, Math.min(100, Math.floor(options.batchSize ?? concurrency)));
    const pollingIntervalSeconds = Math.max(
      0.5,
      (options.pollingIntervalMs ?? this.settings.pollingIntervalMs) / 1000,
    );
    await boss.work(
      queue.name,
      {
        batchSize,
        localConcurrency: Math.max(1, Math.ceil(concurrency / batchSize)),
        pollingIntervalSeconds,
        // NOTIFY wakes workers for new jobs only; retries and delayed jobs become due silently, so the
        // backstop poll keeps the configured pace rather than pg-boss's relaxed 30 s.
        notifyPollingIntervalSeconds: pollingIntervalSeconds,
        burstWhenBatchFull: batchSize > 1,
        includeMetadata: true,
        perJobResults: true,
      } as const,
      async (jobs: JobWithMetadata<T>[]) => {
        const results = await Promise.all(jobs.map((job) => this.handle(queue, handler, job)));
        // pg-boss ignores burstWhenBatchFull at batchSize 1 (every fetch is "full"), so a worker with
        // a backlog would wait a poll interval between jobs. A worker that just got its one job is
        // woken, and so fetches again at once; an empty fetch then returns it to polling.
        if (batchSize === 1) this.wakeLocalWorkers(queue.name, true);
        return results;
      },
    );
  }

  /**
   * Creates a job on `cron` (5 fields, or 6 with seconds), exactly once per occurrence across all the
   * replicas that declare the schedule: each replica fires at the occurrence and sends the job under
   * an id derived from queue, `key` and the occurrence's time (see `occurrenceId`), which the queue
   * accepts once. Occurrences that fall while no replica runs are skipped. Declare it again to change
   * it; {@link unschedule} stops it in this process.
   */
  async schedule<T extends object>(
    queue: QueueDefinition<T>,
    cron: string,
    data: T,
    options: { key?: string; tz?: string } = {},
  ): Promise<void> {
    this.requireRunning();
    await this.register(queue);
    const key = options.key ?? 'default';
    const tz = options.tz ?? 'UTC';
    nextOccurrence(cron, new Date(), tz); // refuses an invalid expression now, not at the first tick
    const id = `${queue.name}\u0000${key}`;
    clearTimeout(this.schedules.get(id));
    const arm = (at: Date): void => {
      const timer = setTimeout(
        () => {
          if (Date.now() < at.getTime()) return arm(at);
          void this.send(queue, data, { id: occurrenceId(queue.name, key, at) })
            .catch((error: unknown) => {
              if (!(error instanceof QueueStoppedError)) {
                this.logger.error({
                  msg: 'scheduled job could not be sent',
                  queue: queue.name,
                  key,
                  err: error,
                });
              }
            })
            .finally(() => {
              if (this.schedules.get(id) === timer && this.running) arm(nextOccurrence(cron, at, tz));
            });
        },
        Math.min(MAX_TIMER_MS, Math.max(0, at.getTime() - Date.now())),
      );
      timer.unref();
      this.schedules.set(id, timer);
    };
    arm(nextOccurrence(cron, new Date(), tz));
  }

  /** Stops the schedule `key` (default: `default`) of `queue` in this process. */
  unschedule<T extends object>(queue: QueueDefinition<T>, key = 'default'): void {
    const id = `${queue.name}\u0000${key}`;
    clearTimeout(this.schedules.get(id));
    this.schedules.delete(id);
  }

  /** Jobs that used up their attempts, oldest first, with payload and last error. */
  async deadLetters<T extends object>(queue: QueueDefinition<T>, limit = 100): Promise<DeadLetter<T>[]> {
    const boss = this.requireRunning();
    await this.register(queue);
    const jobs = await boss.findJobs<T>(queue.deadLetterName, { limit });
    return jobs.map((job) => ({
      id: job.id,
      sourceId: job.sourceId,
      data: job.data,
      error: job.sourceOutput,
      attempts: job.sourceRetryCount === null ? null : job.sourceRetryCount + 1,
      deadLetteredAt: job.createdOn,
    }));
  }

  /**
   * Attempts of `queue` in progress (on any replica) that started at least `minAgeMs` ago, oldest
   * first: the candidates for {@link failAbandoned} when the caller knows their worker is gone.
   */
  async activeJobs<T extends object>(
    queue: QueueDefinition<T>,
    minAgeMs: number,
  ): Promise<{ readonly id: string; readonly data: T; readonly startedOn: Date }[]> {
    const boss = this.requireRunning();
    const result = await boss.getDb().executeSql(
      `SELECT id, data, started_on AS "startedOn" FROM ${QUEUE_SCHEMA}.job
       WHERE name = $1 AND state = 'active' AND started_on <= now() - make_interval(secs => $2)
       ORDER BY started_on LIMIT 1000`,
      [queue.name, minAgeMs / 1000],
    );
    return result.rows as { id: string; data: T; startedOn: Date }[];
  }

  /**
   * Fails an attempt in progress whose worker is known to be gone (e.g. its process died: what it
   * held in the database was freed), so that it is retried now under the queue's policy instead of
   * when its heartbeat or timeout runs out. True when the job was still active.
   */
  async failAbandoned<T extends object>(
    queue: QueueDefinition<T>,
    id: string,
    reason: string,
  ): Promise<boolean> {
    const boss = this.requireRunning();
    const response = await boss.fail(queue.name, id, { name: 'AbandonedAttempt', message: reason });
    // pg-boss 12 declares CommandResponse empty; at run time it carries the count it changed.
    const affected: unknown = (response as { affected?: unknown }).affected;
    return typeof affected === 'number' && affected > 0;
  }

  /** Queued, active and dead-lettered jobs of every queue this process has used. */
  async depths(): Promise<QueueDepths> {
    const boss = this.requireRunning();
    const names = [...this.known.keys()];
    if (names.length === 0) return {};
    const dead = names.map((n) => `${n}${DEAD_LETTER_SUFFIX}`);
    const result = await boss.getDb().executeSql(
      `SELECT name,
              count(*) FILTER (WHERE state IN ('created', 'retry'))::int AS queued,
              count(*) FILTER (WHERE state = 'active')::int AS active
       FROM ${QUEUE_SCHEMA}.job WHERE name = ANY($1::text[]) GROUP BY name`,
      [[...names, ...dead]],
    );
    const rows = result.rows as { name: string; queued: number; active: number }[];
    const byName = new Map(rows.map((r) => [r.name, r]));
    const out: Record<string, { queued: number; active: number; deadLetter: number }> = {};
    for (const name of names) {
      out[name] = {
        queued: byName.get(name)?.queued ?? 0,
        active: byName.get(name)?.active ?? 0,
        deadLetter: byName.get(`${name}${DEAD_LETTER_SUFFIX}`)?.queued ?? 0,
      };
    }
    return out;
  }

  private policyOf(queue: QueueDefinition<object>): RetryPolicy & { timeoutSeconds: number } {
    const base = this.settings.retry ?? DEFAULT_RETRY_POLICY;
    return {
      retryLimit: queue.policy.retryLimit ?? base.retryLimit,
      retryDelaySeconds: queue.policy.retryDelaySeconds ?? base.retryDelaySeconds,
      retryDelayMaxSeconds: queue.policy.retryDelayMaxSeconds ?? base.retryDelayMaxSeconds,
      timeoutSeconds: queue.policy.timeoutSeconds ?? this.settings.jobTimeoutSeconds,
    };
  }

  private async createQueue(queue: QueueDefinition<object>): Promise<void> {
    const boss = this.requireRunning();
    const policy = this.policyOf(queue);
    // Dead letters are kept for inspection and redrive, never processed by a worker.
    await boss.createQueue(queue.deadLetterName, { retryLimit: 0, deleteAfterSeconds: 14 * 86_400 });
    const options = {
      retryLimit: policy.retryLimit,
      retryDelay: Math.max(1, Math.round(policy.retryDelaySeconds)),
      retryBackoff: true,
      retryDelayMax: Math.max(1, Math.round(policy.retryDelayMaxSeconds)),
      expireInSeconds: Math.max(1, Math.round(policy.timeoutSeconds)),
      ...(queue.policy.heartbeatSeconds === undefined
        ? {}
        : { heartbeatSeconds: Math.max(10, Math.round(queue.policy.heartbeatSeconds)) }),
      deadLetter: queue.deadLetterName,
      notify: !this.settings.embedded,
    };
    await boss.createQueue(queue.name, options);
    // createQueue leaves an existing queue as it is; the code's policy wins.
    const { deadLetter, ...changeable } = options;
    await boss.updateQueue(queue.name, { ...changeable, deadLetter });
  }

  private async handle<T extends object>(
    queue: QueueDefinition<T>,
    handler: JobHandler<T>,
    job: JobWithMetadata<T>,
  ): Promise<JobResult> {
    const attempt = job.retryCount + 1;
    const started = performance.now();
    const sinceCreated = (): number => Math.max(0, (Date.now() - job.createdOn.getTime()) / 1000);
    try {
      await handler({
        id: job.id,
        queue: queue.name,
        attempt,
        maxAttempts: job.retryLimit + 1,
        data: job.data,
        createdAt: job.createdOn,
        signal: job.signal,
      });
      this.metrics.queueCompleted.inc({ queue: queue.name });
      this.metrics.queueLatency.observe({ queue: queue.name, outcome: 'completed' }, sinceCreated());
      return { id: job.id, status: 'completed' };
    } catch (error) {
      const last = isLastAttempt({ retryLimit: job.retryLimit }, attempt);
      this.metrics.queueFailures.inc({ queue: queue.name });
      this.metrics.queueLatency.observe({ queue: queue.name, outcome: 'failed' }, sinceCreated());
      if (last) this.metrics.queueDeadLetters.inc({ queue: queue.name });
      this.logger.warn({
        msg: last ? 'job failed for the last time; dead-lettered' : 'job failed; will retry',
        queue: queue.name,
        jobId: job.id,
        attempt,
        durationMs: Math.round(performance.now() - started),
        err: error,
      });
      return { id: job.id, status: 'failed', output: serializeError(error) };
    }
  }

  private requireRunning(): PgBoss {
    if (this.state !== 'running' || this.boss === undefined) throw new QueueStoppedError();
    return this.boss;
  }

  /** The caller's open `Database` transaction as a pg-boss connection, if there is one. */
  private transactionDb(): Db | undefined {
    const database = this.database;
    if (database === undefined || !database.inTransaction) return undefined;
    return {
      // pg-boss's insert (a fixed text, the jobs in one parameter): prepared like the app's own
      // statements when they are (Database decides); a text without parameters never is.
      executeSql: async (text: string, values: unknown[] = []) => ({
        rows: await database.query(text, values, { prepare: values.length > 0 }),
      }),
    };
  }

  /** Flushes `name`'s waiting sends after the current turn of the event loop (once per turn). */
  private scheduleFlush(name: string): void {
    if (this.scheduledFlushes.has(name)) return;
    this.scheduledFlushes.add(name);
    setImmediate(() => {
      this.scheduledFlushes.delete(name);
      this.flushSends(name);
    });
  }

  /**
   * Inserts `name`'s waiting sends as one statement, unless `MAX_SEND_FLUSHES` inserts are already in
   * flight: the next one to finish flushes them then, so a slow commit gathers a bigger batch.
   */
  private flushSends(name: string): void {
    const pending = this.pendingSends.get(name);
    if (pending === undefined || pending.length === 0) return;
    const active = this.sendFlushes.get(name) ?? 0;
    if (active >= MAX_SEND_FLUSHES) return;
    const batch = pending.splice(0, MAX_SEND_BATCH);
    // Ids must be unique within one insert: a repeated caller-chosen id waits for the next one.
    const seen = new Set<string>();
    const now: PendingSend[] = [];
    for (const send of batch) {
      if (seen.has(send.job.id)) pending.push(send);
      else {
        seen.add(send.job.id);
        now.push(send);
      }
    }
    if (pending.length === 0) this.pendingSends.delete(name);
    this.sendFlushes.set(name, active + 1);
    void this.insertBatch(name, now).finally(() => {
      const left = (this.sendFlushes.get(name) ?? 1) - 1;
      if (left === 0) this.sendFlushes.delete(name);
      else this.sendFlushes.set(name, left);
      if (this.pendingSends.has(name)) this.flushSends(name);
      else if (this.sendFlushes.size === 0 && this.pendingSends.size === 0) {
        for (const wake of this.idleWaiters.splice(0)) wake();
      }
    });
  }

  /** One insert for the batch; if it fails, each job is sent on its own so each caller gets its own answer. */
  private async insertBatch(name: string, batch: readonly PendingSend[]): Promise<void> {
    const boss = this.boss;
    if (boss === undefined) {
      for (const send of batch) send.reject(new QueueStoppedError());
      return;
    }
    try {
      const ids = await boss.insert(
        name,
        batch.map((send) => send.job),
        { returnId: true },
      );
      const inserted = new Set(ids ?? []);
      for (const send of batch) send.resolve(inserted.has(send.job.id) ? send.job.id : null);
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // Nothing of the failed statement was stored: retry one by one to isolate the culprit.
      await Promise.all(batch.map((send) => this.insertBatch(name, [send])));
      return;
    }
    this.wakeLocalWorkers(name);
  }

  /** Resolves once no coalesced send is waiting or in flight. */
  private sendsSettled(): Promise<void> {
    if (this.sendFlushes.size === 0 && this.pendingSends.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Local workers of `name` fetch now instead of at their next poll (`busy`: only those holding jobs,
   * which fetch again as soon as they are done with them).
   */
  private wakeLocalWorkers(name: string, busy = false): void {
    const boss = this.boss;
    if (boss === undefined) return;
    for (const worker of boss.getWipData()) {
      if (worker.name !== name || worker.state === 'stopping' || worker.state === 'stopped') continue;
      if (!busy || worker.count > 0) boss.notifyWorker(worker.id);
    }
  }
}

/** The part of pg-boss's own connection pool (its default `db`) the queue wraps. */
interface BossDb {
  executeSql(text: unknown, values?: unknown[], options?: unknown): Promise<unknown>;
}

/** Runs of a pg-boss text before it is prepared: texts with values written into them run once. */
const BOSS_STATEMENT_MIN_RUNS = 3;
/** Names for pg-boss's texts at most (its fixed texts are a few dozen per queue). */
const BOSS_STATEMENT_MAX_NAMES = 300;

/**
 * Has pg-boss's own pool prepare the statements it runs often (fetch, complete, send): PostgreSQL
 * otherwise parses and plans each of them on every run — 140–320 µs of its CPU each, measured here.
 * pg-boss writes some values into its texts (queue names, batch sizes), so a text is named only from
 * its third run, and never when it holds several statements. node-postgres takes the named statement
 * as the query's config object, which pg-boss's pool hands on as it is.
 */
function prepareFrequentStatements(boss: PgBoss): void {
  const db = boss.getDb() as unknown as BossDb;
  const names = new StatementNames({ minRuns: BOSS_STATEMENT_MIN_RUNS, maxNames: BOSS_STATEMENT_MAX_NAMES });
  const execute = db.executeSql.bind(db);
  db.executeSql = (text, values, options) => {
    const name = typeof text === 'string' ? names.nameFor(text, values?.length ?? 0) : undefined;
    return name === undefined
      ? execute(text, values, options)
      : execute({ name, text, values: values ?? [] }, undefined, options);
  };
}
