/**
 * Issue 4 acceptance: the coordination primitives across real processes on the real PostgreSQL
 * server. Each fixture (`support/coordination/*.ts`, compiled to dist/) is its own node process on a
 * database of this file's own; processes are killed only by their PID.
 */
import { Client } from 'pg';
import { CoordinationMetrics, Fence, JobQueue, retryDelayWindow } from '@hotswap/coordination';
import { createTestDatabase, postgresServer, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../apps/api/src/schema';
import { FixtureProcess, type FixtureEvent } from './support/fixture-process';
import { FAILING_QUEUE, LEDGER_QUEUE, QUEUE_SETTINGS } from './support/coordination/queues';

const server = postgresServer();
if (!server.available) console.warn(`skipping the multi-process coordination tests: ${server.reason}`);
const describeOnServer = server.available ? describe : describe.skip;

const processes: FixtureProcess[] = [];
function start(fixture: string, env: Record<string, string>): FixtureProcess {
  const proc = FixtureProcess.start(fixture, env);
  processes.push(proc);
  return proc;
}

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.dispose()));
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `read` until `done` holds or `timeoutMs` passes; returns the last value read. */
async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() >= deadline) return value;
    await delay(everyMs);
  }
}

describeOnServer('coordination across processes (PostgreSQL server)', () => {
  let database: TestDatabase;
  let client: Client;

  beforeAll(async () => {
    database = await createTestDatabase(SCHEMA);
    client = new Client({ connectionString: database.url });
    await client.connect();
  });

  afterAll(async () => {
    await client.end();
    await database.drop();
  });

  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const result = await client.query<{ n: string }>(sql, params);
    return Number(result.rows[0]?.n ?? 0);
  }

  describe('distributed lock', () => {
    it('makes a second contender wait, time out with null, then get the lock right after the release', async () => {
      const env = { DATABASE_URL: database.url, LOCK_RESOURCE: 'acceptance:lock:release' };
      const first = start('lock-contender', env);
      const second = start('lock-contender', env);
      await Promise.all([
        first.waitFor((e) => e.event === 'ready', 20_000),
        second.waitFor((e) => e.event === 'ready', 20_000),
      ]);

      first.send({ cmd: 'acquire', timeoutMs: 0 });
      await first.waitFor((e) => e.event === 'acquired', 10_000);

      second.send({ cmd: 'acquire', timeoutMs: 700 });
      const timedOut = await second.waitFor((e) => e.event === 'timeout' || e.event === 'acquired', 10_000);
      expect(timedOut.event).toBe('timeout');
      expect(timedOut.waitedMs).toBeGreaterThanOrEqual(650);

      const mark = second.events.length;
      second.send({ cmd: 'acquire', timeoutMs: 15_000 });
      await second.waitFor((e) => e.event === 'waiting', 5_000, mark);
      await delay(300);
      const releasedAt = Date.now();
      first.send({ cmd: 'release' });
      const acquired = await second.waitFor(
        (e) => e.event === 'acquired' || e.event === 'timeout',
        15_000,
        mark,
      );
      expect(acquired.event).toBe('acquired');
      expect(acquired.receivedAt - releasedAt).toBeLessThan(1_000);
    });

    it('frees the lock within 1 s when the holder process is killed (SIGKILL)', async () => {
      const env = { DATABASE_URL: database.url, LOCK_RESOURCE: 'acceptance:lock:kill' };
      const holder = start('lock-contender', env);
      const waiter = start('lock-contender', env);
      await Promise.all([
        holder.waitFor((e) => e.event === 'ready', 20_000),
        waiter.waitFor((e) => e.event === 'ready', 20_000),
      ]);
      holder.send({ cmd: 'acquire', timeoutMs: 0 });
      await holder.waitFor((e) => e.event === 'acquired', 10_000);
      waiter.send({ cmd: 'acquire', timeoutMs: 20_000 });
      await waiter.waitFor((e) => e.event === 'waiting', 5_000);
      await delay(500);
      expect(waiter.events.some((e) => e.event === 'acquired')).toBe(false);

      const killedAt = Date.now();
      await holder.kill('SIGKILL');
      const acquired = await waiter.waitFor((e) => e.event === 'acquired' || e.event === 'timeout', 20_000);
      expect(acquired.event).toBe('acquired');
      expect(acquired.receivedAt - killedAt).toBeLessThan(1_000);
    });
  });

  describe('leader election', () => {
    const ELECTION = 'acceptance-election';

    beforeAll(async () => {
      await client.query(
        'CREATE TABLE leader_samples (holder text NOT NULL, epoch bigint NOT NULL, at timestamptz NOT NULL)',
      );
    });

    /** Leadership intervals [from, to] per candidate, from its elected/lost events. */
    function intervals(proc: FixtureProcess, until: number): { from: number; to: number; epoch: number }[] {
      const out: { from: number; to: number; epoch: number }[] = [];
      let open: { from: number; epoch: number } | undefined;
      for (const e of proc.events) {
        if (e.event === 'elected') open = { from: Number(e.at), epoch: Number(e.epoch) };
        if (e.event === 'lost' && open !== undefined) {
          out.push({ ...open, to: Number(e.at) });
          open = undefined;
        }
      }
      if (open !== undefined)
        out.push({ ...open, to: proc.alive ? until : (proc.events.at(-1)?.receivedAt ?? until) });
      return out;
    }

    it('keeps exactly one leader among three processes, fails over within 20 s of a SIGKILL, and fences the old term', async () => {
      const candidates = ['a', 'b', 'c'].map((name) =>
        start('leader-candidate', { DATABASE_URL: database.url, ELECTION, CANDIDATE: `candidate-${name}` }),
      );
      await Promise.all(candidates.map((c) => c.waitFor((e) => e.event === 'ready', 20_000)));
      const firstLeader = await Promise.any(
        candidates.map((c) => c.waitFor((e) => e.event === 'elected', 20_000).then(() => c)),
      );
      const oldEpoch = Number(firstLeader.events.find((e) => e.event === 'elected')?.epoch);
      await delay(3_000);

      const killedAt = Date.now();
      await firstLeader.kill('SIGKILL');
      const survivors = candidates.filter((c) => c !== firstLeader);
      const successor = await Promise.any(
        survivors.map((c) => c.waitFor((e) => e.event === 'elected', 20_000).then(() => c)),
      );
      const electedEvent = successor.events.find((e) => e.event === 'elected') as FixtureEvent;
      const failoverMs = electedEvent.receivedAt - killedAt;
      expect(failoverMs).toBeLessThan(20_000);
      const newEpoch = Number(electedEvent.epoch);
      expect(newEpoch).toBeGreaterThan(oldEpoch);

      // A write fenced with the old term's epoch changes nothing; one with the current epoch lands.
      const stale = new Fence(ELECTION, oldEpoch).bind(
        'INSERT INTO leader_samples (holder, epoch, at) SELECT $1, $2, now() WHERE $fence',
        ['stale-writer', oldEpoch],
      );
      expect((await client.query(stale.sql, stale.params)).rowCount).toBe(0);
      const current = new Fence(ELECTION, newEpoch).bind(
        'INSERT INTO leader_samples (holder, epoch, at) SELECT $1, $2, now() WHERE $fence',
        ['current-writer', newEpoch],
      );
      expect((await client.query(current.sql, current.params)).rowCount).toBe(1);
      await delay(2_000);
      const end = Date.now();

      // Sampled throughout: at no status sample did two processes claim to lead; outside the failover
      // window exactly one did.
      const samples = candidates.flatMap((c) =>
        c.events
          .filter((e) => e.event === 'status')
          .map((e) => ({ at: Number(e.at), leader: e.leader === true, who: c })),
      );
      expect(samples.length).toBeGreaterThan(100);
      const all = candidates.flatMap((c) => intervals(c, end).map((i) => ({ ...i, who: c.name + c.pid })));
      for (const a of all) {
        for (const b of all) {
          if (a === b || a.who === b.who) continue;
          const overlap = Math.min(a.to, b.to) - Math.max(a.from, b.from);
          expect(overlap).toBeLessThanOrEqual(0);
        }
      }
      const bucketMs = 200;
      const firstElectedAt = Math.min(...all.map((i) => i.from));
      for (let t = firstElectedAt + bucketMs; t < end - bucketMs; t += bucketMs) {
        const leaders = new Set(
          samples.filter((s) => s.leader && s.at >= t && s.at < t + bucketMs).map((s) => s.who),
        );
        expect(leaders.size).toBeLessThanOrEqual(1);
        const inFailover = t >= killedAt - bucketMs && t <= electedEvent.receivedAt + bucketMs;
        if (!inFailover) expect(leaders.size).toBe(1);
      }

      // The fenced sample rows tell the same story: one holder per epoch, epochs never interleaved.
      const rows = await client.query<{ holder: string; epoch: string }>(
        "SELECT holder, epoch FROM leader_samples WHERE holder LIKE 'candidate-%' ORDER BY at",
      );
      const holders = new Map<string, Set<string>>();
      let lastEpoch = 0;
      for (const row of rows.rows) {
        expect(Number(row.epoch)).toBeGreaterThanOrEqual(lastEpoch);
        lastEpoch = Number(row.epoch);
        holders.set(row.epoch, (holders.get(row.epoch) ?? new Set()).add(row.holder));
      }
      for (const set of holders.values()) expect(set.size).toBe(1);
      expect(await count("SELECT count(*) AS n FROM leader_samples WHERE holder = 'stale-writer'")).toBe(0);
    });
  });

  describe('job queue', () => {
    let producer: JobQueue;

    beforeAll(async () => {
      await client.query(`
        CREATE TABLE job_ledger (job_key text PRIMARY KEY, job_id uuid NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
        CREATE TABLE job_deliveries (job_key text NOT NULL, job_id uuid NOT NULL, worker text NOT NULL, attempt int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
        CREATE TABLE effect_total (total bigint NOT NULL);
        INSERT INTO effect_total VALUES (0);
        CREATE TABLE failure_attempts (job_key text NOT NULL, attempt int NOT NULL, worker text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
      `);
      producer = new JobQueue(
        { ...QUEUE_SETTINGS, url: database.url },
        undefined,
        CoordinationMetrics.standalone(),
      );
      await producer.start();
    });

    afterAll(async () => {
      await producer.stop(2_000);
    });

    it('records every job’s effect exactly once when one of two workers is SIGKILLed half-way; failing jobs back off and end in the dead-letter queue', async () => {
      const JOBS = 2_000;
      const worker = (name: string, failing: boolean) =>
        start('queue-worker', {
          DATABASE_URL: database.url,
          WORKER: name,
          FAILING: failing ? '1' : '0',
          WORK_MS: '10',
        });
      const doomed = worker('doomed', false);
      const survivor = worker('survivor', true);
      await Promise.all([
        doomed.waitFor((e) => e.event === 'ready', 30_000),
        survivor.waitFor((e) => e.event === 'ready', 30_000),
      ]);

      const failingKeys = ['fail-1', 'fail-2', 'fail-3'];
      for (const key of failingKeys) await producer.send(FAILING_QUEUE, { key });
      for (let i = 0; i < JOBS; i += 500) {
        await producer.sendMany(
          LEDGER_QUEUE,
          Array.from({ length: Math.min(500, JOBS - i) }, (_, j) => ({ key: `job-${i + j}`, amount: 1 })),
        );
      }

      await pollUntil(
        () => count('SELECT count(*) AS n FROM job_ledger'),
        (n) => n >= JOBS / 2,
        60_000,
        20,
      );
      const byDoomedBeforeKill = await count("SELECT count(*) AS n FROM job_ledger WHERE worker = 'doomed'");
      await doomed.kill('SIGKILL');
      const killedAtCount = await count('SELECT count(*) AS n FROM job_ledger');
      expect(killedAtCount).toBeLessThan(JOBS);
      expect(byDoomedBeforeKill).toBeGreaterThan(0);

      const done = await pollUntil(
        () => count('SELECT count(*) AS n FROM job_ledger'),
        (n) => n >= JOBS,
        90_000,
        200,
      );
      expect(done).toBe(JOBS);
      // Every job's effect exactly once: one ledger row per key (primary key) and the effect applied
      // once per ledger row, however often a job was delivered.
      expect(await count('SELECT total AS n FROM effect_total')).toBe(JOBS);
      expect(await count('SELECT count(DISTINCT job_key) AS n FROM job_deliveries')).toBe(JOBS);
      const completed = await pollUntil(
        () =>
          count("SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'", [
            LEDGER_QUEUE.name,
          ]),
        (n) => n >= JOBS,
        30_000,
        200,
      );
      expect(completed).toBe(JOBS);

      // Failing jobs: every attempt recorded, the gaps grow as the backoff says, then dead letters.
      const attemptsPerJob = 4; // retryLimit 3 + the first attempt
      await pollUntil(
        async () => (await producer.deadLetters(FAILING_QUEUE)).length,
        (n) => n >= failingKeys.length,
        60_000,
        250,
      );
      const deadLetters = await producer.deadLetters(FAILING_QUEUE);
      expect(deadLetters.map((d) => d.data.key).sort()).toEqual(failingKeys);
      for (const dead of deadLetters) {
        expect(dead.error).toEqual(
          expect.objectContaining({ message: expect.stringContaining(`handler refused ${dead.data.key}`) }),
        );
        expect(dead.attempts).toBe(attemptsPerJob);
      }
      const policy = { retryLimit: 3, retryDelaySeconds: 1, retryDelayMaxSeconds: 4 };
      const SLACK_MS = 1_500; // polling interval (0.5 s) plus fetch and clock granularity
      for (const key of failingKeys) {
        const attempts = await client.query<{ attempt: number; ms: number }>(
          'SELECT attempt, extract(epoch FROM at) * 1000 AS ms FROM failure_attempts WHERE job_key = $1 ORDER BY at',
          [key],
        );
        expect(attempts.rows.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
        const times = attempts.rows.map((r) => Number(r.ms));
        const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
        gaps.forEach((gap, i) => {
          const window = retryDelayWindow(policy, i + 1);
          expect(gap).toBeGreaterThanOrEqual(window.minMs - 50);
          expect(gap).toBeLessThanOrEqual(window.maxMs + SLACK_MS);
        });
        expect(gaps[2]).toBeGreaterThan(gaps[0] ?? Infinity);
      }
    });
  });
});
