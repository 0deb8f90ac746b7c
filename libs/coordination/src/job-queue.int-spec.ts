import { Logger } from '@nestjs/common';
import { createDataSource, Database, EmbeddedPostgres } from '@hotswap/database';
import { createTestDatabase, postgresServer, type TestDatabase } from '@hotswap/testing';
import { Client } from 'pg';
import { PgBoss } from 'pg-boss';
import { Registry } from 'prom-client';
import { SCHEMA } from '../../../apps/api/src/schema';
import { CoordinationMetrics } from './coordination.metrics';
import { defineQueue, JobQueue, QueueStoppedError, type JobQueueSettings } from './job-queue';

const SETTINGS: Omit<JobQueueSettings, 'url' | 'embedded'> = {
  poolSize: 3,
  retry: { retryLimit: 2, retryDelaySeconds: 1, retryDelayMaxSeconds: 2 },
  jobTimeoutSeconds: 30,
  pollingIntervalMs: 500,
  superviseIntervalSeconds: 1,
};

async function waitFor<T>(
  read: () => T | Promise<T>,
  done: (v: T) => boolean,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(() => {
  Logger.overrideLogger(['error']);
});

/** The same behaviour on a server database and on embedded PostgreSQL (no LISTEN/NOTIFY there). */
describe.each([
  ['embedded PostgreSQL', true],
  ['the PostgreSQL server', false],
])('JobQueue on %s', (_where, embedded) => {
  const server = postgresServer();
  let database: TestDatabase | undefined;
  let embeddedServer: EmbeddedPostgres | undefined;
  let url: string;
  let queue: JobQueue;
  let app: Database;
  let metrics: CoordinationMetrics;

  beforeAll(async () => {
    if (embedded) {
      embeddedServer = await EmbeddedPostgres.start({ dataDir: undefined, maxConnections: 12 });
      url = embeddedServer.url;
    } else {
      if (!server.available) return;
      database = await createTestDatabase(SCHEMA);
      url = database.url;
    }
    const dataSource = createDataSource({ url, poolSize: 2, schema: SCHEMA });
    await dataSource.initialize();
    await dataSource.runMigrations();
    // Prepared statements as the app runs them: on a server, not on the embedded database.
    app = new Database(dataSource, { preparedStatements: !embedded });
    await app.dataSource.query('CREATE TABLE seen (job_id uuid, attempt int, payload text)');
    metrics = CoordinationMetrics.standalone(new Registry());
    queue = new JobQueue({ ...SETTINGS, url, embedded, preparedStatements: !embedded }, app, metrics);
    await queue.start();
  });

  afterAll(async () => {
    await queue?.stop(1_000);
    await app?.dataSource.destroy();
    await database?.drop();
    await embeddedServer?.stop();
  });

  const skip = (): boolean => !embedded && !server.available;

  it('delivers a typed payload with the job id and attempt 1, quickly, and counts it', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const q = defineQueue<{ text: string }>('int-roundtrip');
    const seen: { id: string; attempt: number; text: string; at: number }[] = [];
    await queue.work(q, async (job) => {
      seen.push({ id: job.id, attempt: job.attempt, text: job.data.text, at: Date.now() });
      await Promise.resolve();
    });
    const sentAt = Date.now();
    const id = await queue.send(q, { text: 'hello' });
    await waitFor(
      () => seen.length,
      (n) => n > 0,
      10_000,
    );
    expect(seen).toEqual([{ id, attempt: 1, text: 'hello', at: expect.any(Number) }]);
    // A local worker is woken by the send, not by its next poll.
    expect((seen[0]?.at ?? Infinity) - sentAt).toBeLessThan(400);
    const completed = await metrics.queueCompleted.get();
    expect(completed.values.find((v) => v.labels.queue === 'int-roundtrip')?.value).toBe(1);
  });

  it('enqueues inside a Database transaction: a rolled-back job never runs, a committed one does', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const q = defineQueue<{ payload: string }>('int-transactional');
    await queue.work(q, async (job) => {
      await app.dataSource.query('INSERT INTO seen (job_id, attempt, payload) VALUES ($1, $2, $3)', [
        job.id,
        job.attempt,
        job.data.payload,
      ]);
    });
    await expect(
      app.transaction(async () => {
        await queue.send(q, { payload: 'rolled-back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    await app.transaction(async () => {
      await queue.send(q, { payload: 'committed' });
    });
    const rows = await waitFor(
      () =>
        app.dataSource.query<{ payload: string }[]>(
          "SELECT payload FROM seen WHERE payload IN ('rolled-back', 'committed')",
        ),
      (r) => r.length > 0,
      10_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(rows.map((r) => r.payload)).toEqual(['committed']);
    expect(await app.dataSource.query("SELECT payload FROM seen WHERE payload = 'rolled-back'")).toEqual([]);
  });

  it('prepares the statements it runs often on a server: fetch, complete and the send in a transaction', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const q = defineQueue<{ n: number }>('int-prepared');
    const query = jest.spyOn(Client.prototype, 'query');
    let named: string[];
    try {
      const done: number[] = [];
      await queue.work(q, async (job) => {
        done.push(job.data.n);
        return Promise.resolve();
      });
      for (let n = 0; n < 6; n++) {
        await app.transaction(() => queue.send(q, { n }));
        await waitFor(
          () => done.length,
          (count) => count > n,
          10_000,
        );
      }
      expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5]);
      named = query.mock.calls.flatMap(([config]) => {
        const c = config as { name?: unknown; text?: unknown } | undefined;
        return typeof c?.name === 'string' && typeof c.text === 'string'
          ? [`${c.name} ${c.text.replace(/\s+/g, ' ')}`]
          : [];
      });
    } finally {
      query.mockRestore();
    }
    const of = (text: string) => named.filter((n) => n.includes(text));
    if (embedded) {
      expect(named).toEqual([]);
      return;
    }
    for (const statement of ['WITH next AS', 'completed_on', 'INSERT INTO pgboss.job']) {
      expect(of(statement).length).toBeGreaterThan(0);
      expect(of(statement).every((n) => /^hs_[0-9a-f]{24} /.test(n))).toBe(true);
    }
  });

  it('retries a failing job with growing attempts and then dead-letters it with payload and error', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const q = defineQueue<{ n: number }>('int-failing');
    const attempts: number[] = [];
    await queue.work(q, async (job) => {
      attempts.push(job.attempt);
      await Promise.resolve();
      throw new TypeError(`cannot handle ${job.data.n}`);
    });
    await queue.send(q, { n: 7 });
    const dead = await waitFor(
      () => queue.deadLetters(q),
      (d) => d.length > 0,
      20_000,
    );
    expect(attempts).toEqual([1, 2, 3]);
    expect(dead).toEqual([
      expect.objectContaining({
        data: { n: 7 },
        error: { name: 'TypeError', message: 'cannot handle 7' },
        attempts: 3,
      }),
    ]);
    const depths = await queue.depths();
    expect(depths['int-failing']).toEqual({ queued: 0, active: 0, deadLetter: 1 });
    const deadLetters = await metrics.queueDeadLetters.get();
    expect(deadLetters.values.find((v) => v.labels.queue === 'int-failing')?.value).toBe(1);
    expect(
      (await metrics.queueFailures.get()).values.find((v) => v.labels.queue === 'int-failing')?.value,
    ).toBe(3);
  });

  it('group-commits sends issued together: one insert, each caller its own answer', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const q = defineQueue<{ i: number }>('int-coalesced');
    const handled: number[] = [];
    await queue.work(
      q,
      async (job) => {
        handled.push(job.data.i);
        await Promise.resolve();
      },
      { concurrency: 20 },
    );
    const inserts = jest.spyOn(PgBoss.prototype, 'insert');
    try {
      const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => queue.send(q, { i })));
      // 50 sends in one turn of the event loop: one statement, one commit.
      expect(inserts).toHaveBeenCalledTimes(1);
      expect(new Set(ids).size).toBe(50);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);

      // In one batch: a repeated caller-chosen id is answered null (the job exists once), a malformed
      // id fails only its own send.
      const fixedId = '00000000-0000-4000-8000-0000000000c1';
      const outcomes = await Promise.allSettled([
        queue.send(q, { i: 100 }, { id: fixedId }),
        queue.send(q, { i: 101 }, { id: fixedId }),
        queue.send(q, { i: 104 }, { id: 'not-a-uuid' }),
        queue.send(q, { i: 105 }),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      const values = outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'error'));
      expect(values[0]).toBe(fixedId);
      expect(values[1]).toBeNull();
      expect(typeof values[3]).toBe('string');
    } finally {
      inserts.mockRestore();
    }
    const done = await waitFor(
      () => handled.length,
      (n) => n >= 52,
      10_000,
    );
    expect(done).toBe(52);
    expect([...handled].sort((a, b) => a - b)).toEqual([
      ...Array.from({ length: 50 }, (_, i) => i),
      100,
      105,
    ]);
  });

  it('stop() inserts the sends it already accepted before closing', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const q = defineQueue<{ n: number }>('int-stop-flush');
    const other = new JobQueue(
      { ...SETTINGS, url, embedded },
      undefined,
      CoordinationMetrics.standalone(new Registry()),
    );
    await other.start();
    await other.register(q);
    const pending = [other.send(q, { n: 1 }), other.send(q, { n: 2 })];
    await other.stop(1_000);
    const ids = await Promise.all(pending);
    expect(ids.every((id) => typeof id === 'string')).toBe(true);
    await queue.register(q);
    expect((await queue.depths())['int-stop-flush']).toEqual({ queued: 2, active: 0, deadLetter: 0 });
  });

  it('works through a backlog one job per fetch without waiting a poll interval between jobs', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const q = defineQueue<{ n: number }>('int-backlog-single');
    // Sent from another process's queue, so no local wake-up or notification reaches the worker later.
    const producer = new JobQueue(
      { ...SETTINGS, url, embedded },
      undefined,
      CoordinationMetrics.standalone(new Registry()),
    );
    await producer.start();
    await producer.register(q);
    await producer.sendMany(
      q,
      Array.from({ length: 30 }, (_, n) => ({ n })),
    );
    await producer.stop(1_000);
    const done: number[] = [];
    // One job per fetch, two loops, and a poll interval far longer than the wait below: only fetching
    // again as soon as a job is done gets through the backlog in time.
    await queue.work(
      q,
      (job) => {
        done.push(job.data.n);
        return Promise.resolve();
      },
      {
        concurrency: 2,
        batchSize: 1,
        pollingIntervalMs: 60_000,
      },
    );
    await waitFor(
      () => done.length,
      (n) => n === 30,
      15_000,
    );
    expect([...done].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n));
  });

  it('one job per fetch: a job that runs long does not hold back one sent after it', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const q = defineQueue<{ name: string }>('int-long-and-short');
    let releaseLong: () => void = () => undefined;
    const longRunning = new Promise<void>((resolve) => (releaseLong = resolve));
    const events: string[] = [];
    await queue.work(
      q,
      async (job) => {
        events.push(`start ${job.data.name}`);
        if (job.data.name === 'long') await longRunning;
        events.push(`end ${job.data.name}`);
      },
      // As the deployment worker runs: several loops, one job each (a batch would only end with its
      // slowest job).
      { concurrency: 2, batchSize: 1 },
    );
    await queue.send(q, { name: 'long' });
    await waitFor(() => events.includes('start long'), Boolean, 10_000);
    await queue.send(q, { name: 'short' });
    await waitFor(() => events.includes('end short'), Boolean, 10_000);
    expect(events).toEqual(['start long', 'start short', 'end short']);
    releaseLong();
    await waitFor(() => events.includes('end long'), Boolean, 10_000);
    expect(events).toEqual(['start long', 'start short', 'end short', 'end long']);
  });

  it('refuses queue names pg-boss cannot hold', () => {
    expect(() => defineQueue('has space')).toThrow();
    expect(() => defineQueue('x'.repeat(47))).toThrow();
    expect(() => defineQueue('ends.dlq')).toThrow();
    expect(defineQueue('deployments/rollout').deadLetterName).toBe('deployments/rollout.dlq');
  });
});

describe('scheduled jobs across replicas', () => {
  const server = postgresServer();
  let database: TestDatabase | undefined;
  const queues: JobQueue[] = [];

  afterAll(async () => {
    await Promise.all(queues.map((q) => q.stop(1_000)));
    await database?.drop();
  });

  it('creates each occurrence once however many replicas declare the schedule', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    database = await createTestDatabase(SCHEMA);
    const q = defineQueue<{ tick: string }>('int-scheduled');
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const replica = new JobQueue(
        { ...SETTINGS, url: database.url, embedded: false },
        undefined,
        CoordinationMetrics.standalone(new Registry()),
      );
      queues.push(replica);
      await replica.start();
      await replica.work(q, async (job) => {
        runs.push(job.id);
        await Promise.resolve();
      });
      await replica.schedule(q, '*/2 * * * * *', { tick: 'every 2 s' });
    }
    // Two replicas fire every occurrence; each occurrence still becomes one job.
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThanOrEqual(5);
    expect(new Set(runs).size).toBe(runs.length);
  });

  it('is refused once the queue is stopped', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    const stopped = new JobQueue({ ...SETTINGS, url: 'postgres://unused', embedded: false }, undefined);
    await stopped.stop(1_000);
    await expect(stopped.send(defineQueue('int-stopped'), {})).rejects.toBeInstanceOf(QueueStoppedError);
  });
});
