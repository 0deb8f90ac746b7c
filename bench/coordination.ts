/**
 * Coordination (issue 4) — the job queue and the distributed lock on the PostgreSQL server.
 *
 *   npm run bench -- coordination [--jobs N] [--seconds S] [--runs R]
 *
 * On a scratch database created on BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres)
 * and dropped at the end, each measured `--runs` times (default 3, medians reported):
 * - throughput: `--jobs` (default 5,000) jobs enqueued in batches of 500 while one worker
 *   (concurrency 100, batches of 100) handles them; enqueue of the first → handler done of the last;
 * - latency: jobs sent one by one at a fixed 500 jobs/s for `--seconds` (default 10), each timed
 *   from its due time on that schedule to the start of its handler (≤ 32 sends in flight); p50/p99;
 * - locks: session-level acquire + release on 4 concurrent clients (random resources) for
 *   `--seconds`, against `pgbench` running `pg_advisory_lock(k); pg_advisory_unlock(k)` with 4
 *   clients on the same server for the same time.
 * Budgets: ≥ 1,000 jobs/s end to end, p99 ≤ 50 ms at 500 jobs/s, lock ops ≥ 0.5 × pgbench.
 * Producer, worker and lock clients share this process; the server runs unpinned on the same machine.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Logger } from '@nestjs/common';
import { CoordinationMetrics, defineQueue, DistributedLock, JobQueue } from '@hotswap/coordination';
import { Client, Pool } from 'pg';
import { Registry } from 'prom-client';
import {
  atLeast,
  atMost,
  type BenchResult,
  median,
  percentile,
  removeTempDir,
  tempDir,
  wholeNumber,
  pgbenchTps,
  delay,
} from './_shared';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const RATE_PER_SECOND = 500;
const LOCK_CLIENTS = 4;
const MAX_SENDS_IN_FLIGHT = 32;

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

function queueFor(url: string): JobQueue {
  return new JobQueue(
    {
      url,
      poolSize: 8,
      embedded: false,
      retry: { retryLimit: 5, retryDelaySeconds: 2, retryDelayMaxSeconds: 32 },
      jobTimeoutSeconds: 60,
      pollingIntervalMs: 500,
      superviseIntervalSeconds: 10,
    },
    undefined,
    CoordinationMetrics.standalone(new Registry()),
  );
}

async function throughput(queue: JobQueue, run: number, jobs: number): Promise<number> {
  const q = defineQueue<{ i: number }>(`bench-throughput-${run}`);
  let done = 0;
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  await queue.work(
    q,
    async () => {
      await Promise.resolve();
      if (++done === jobs) finished();
    },
    { concurrency: 100, batchSize: 100 },
  );
  await queue.register(q);
  const started = performance.now();
  for (let i = 0; i < jobs; i += 500) {
    await queue.sendMany(
      q,
      Array.from({ length: Math.min(500, jobs - i) }, (_, j) => ({ i: i + j })),
    );
  }
  const timeout = delay(120_000).then(() => {
    throw new Error(`only ${done} of ${jobs} jobs done within 120 s`);
  });
  await Promise.race([allDone, timeout]);
  return jobs / ((performance.now() - started) / 1000);
}

async function latency(queue: JobQueue, run: number, seconds: number): Promise<number[]> {
  const q = defineQueue<{ sentAt: number }>(`bench-latency-${run}`);
  const samples: number[] = [];
  const now = (): number => performance.timeOrigin + performance.now();
  await queue.work(
    q,
    async (job) => {
      samples.push(now() - job.data.sentAt);
      await Promise.resolve();
    },
    { concurrency: 20, batchSize: 10 },
  );
  await queue.register(q);
  const total = RATE_PER_SECOND * seconds;
  const intervalMs = 1000 / RATE_PER_SECOND;
  const started = performance.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 1) await delay(wait);
    // Bounded concurrent sends; a producer that falls behind still stamps each job with its due time,
    // so the backlog shows in the latency (no coordinated omission).
    while (inFlight.size >= MAX_SENDS_IN_FLIGHT) await Promise.race(inFlight);
    const send = queue.send(q, { sentAt: performance.timeOrigin + due }).finally(() => inFlight.delete(send));
    inFlight.add(send);
  }
  await Promise.all(inFlight);
  const deadline = performance.now() + 60_000;
  while (samples.length < total && performance.now() < deadline) await delay(50);
  if (samples.length < total) throw new Error(`only ${samples.length} of ${total} latency jobs ran`);
  return samples;
}

async function lockOps(url: string, seconds: number): Promise<number> {
  const pool = new Pool({ connectionString: url, max: LOCK_CLIENTS });
  const locks = new DistributedLock(pool, undefined, CoordinationMetrics.standalone(new Registry()));
  let ops = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: LOCK_CLIENTS }, async () => {
      while (performance.now() < end) {
        const handle = await locks.acquire(`bench:${Math.floor(Math.random() * 1_000_000)}`);
        if (handle === null) continue;
        await handle.release();
        ops++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await locks.close();
  return ops / elapsed;
}

function pgbenchOps(url: string, seconds: number, dir: string): number {
  const script = path.join(dir, 'advisory.sql');
  writeFileSync(
    script,
    '\\set k random(1, 1000000)\nSELECT pg_advisory_lock(:k);\nSELECT pg_advisory_unlock(:k);\n',
  );
  return pgbenchTps(url, script, LOCK_CLIENTS, seconds);
}

export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { jobs: { type: 'string' }, seconds: { type: 'string' }, runs: { type: 'string' } },
  });
  const jobs = values.jobs === undefined ? 5_000 : wholeNumber(values.jobs, '--jobs', 100);
  const seconds = values.seconds === undefined ? 10 : wholeNumber(values.seconds, '--seconds', 1);
  const runs = values.runs === undefined ? 3 : wholeNumber(values.runs, '--runs', 1);
  Logger.overrideLogger(['error']);

  const adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const name = `hotswap_bench_coordination_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  const url = withDatabase(adminUrl, name);
  const dir = await tempDir('hotswap-bench-coordination-');
  const rates: number[] = [];
  const p50s: number[] = [];
  const p99s: number[] = [];
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const queue = queueFor(url);
      await queue.start();
      try {
        rates.push(await throughput(queue, r, jobs));
        const samples = await latency(queue, r, seconds);
        p50s.push(percentile(samples, 50));
        p99s.push(percentile(samples, 99));
      } finally {
        await queue.stop(5_000);
      }
      ours.push(await lockOps(url, seconds));
      theirs.push(pgbenchOps(url, seconds, dir));
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await removeTempDir(dir);
  }
  const jobsPerSecond = median(rates);
  const p99 = median(p99s);
  const lockRatio = median(ours) / median(theirs);
  return {
    name: 'coordination',
    figures: [
      { label: `jobs end to end (${jobs} jobs, median of ${runs})`, value: jobsPerSecond, unit: 'jobs/s' },
      { label: `latency p50 at ${RATE_PER_SECOND} jobs/s`, value: median(p50s), unit: 'ms' },
      { label: `latency p99 at ${RATE_PER_SECOND} jobs/s`, value: p99, unit: 'ms' },
      { label: `lock acquire+release, ${LOCK_CLIENTS} clients`, value: median(ours), unit: 'ops/s' },
      {
        label: `pgbench advisory lock+unlock, ${LOCK_CLIENTS} clients`,
        value: median(theirs),
        unit: 'ops/s',
      },
      { label: 'lock ops / pgbench', value: lockRatio, unit: '×' },
    ],
    budgets: [
      atLeast('jobs end to end', jobsPerSecond, 1_000, 'jobs/s'),
      atMost(`p99 latency at ${RATE_PER_SECOND} jobs/s`, p99, 50, 'ms'),
      atLeast('lock ops vs pgbench', lockRatio, 0.5, '×'),
    ],
    notes: [
      `runs: ${runs}; throughput runs ${rates.map((v) => Math.round(v)).join(', ')} jobs/s; p99s ${p99s.map((v) => v.toFixed(1)).join(', ')} ms`,
      'producer, worker and lock clients in this process; PostgreSQL server on the same machine, not pinned',
      'latency: the job’s due time on the fixed-rate schedule → start of its handler (≤ 32 sends in flight; local wake-up after send, NOTIFY, batches of 10)',
    ],
  };
}
