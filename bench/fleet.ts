/**
 * P4 and P9 (docs: performance.md) — heartbeat ingestion at fleet scale.
 *
 *   npm run bench -- fleet [--nodes 10000] [--seconds 60] [--interval-ms 10000] [--no-pin]
 *
 * Starts the compiled API with the simulated fleet on (`FLEET_SIMULATION_NODES=<nodes>,0,0,0`: every
 * node in Development) on a scratch database of the PostgreSQL server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres; embedded PostgreSQL would put the database inside the
 * API's RSS), waits until every node has heartbeated once, then measures for `--seconds`:
 * - heartbeats per second committed (`hotswap_heartbeats_total`);
 * - the batched write's duration p99 (`hotswap_heartbeat_flush_seconds`: one transaction holding
 *   the samples, the node updates and any events) — budget P4 ≤ 20 ms;
 * - receipt → commit p99 (`hotswap_heartbeat_ingest_seconds`), which includes the deliberate wait of
 *   up to METRICS_FLUSH_INTERVAL_MS for the batch (a figure, not a budget);
 * - the p99 of a read route (`GET /api/v1/environments/Development`, a one-row DB read; a stand-in for P1)
 *   at 20 req/s, compared with the same route measured on the same API before the fleet exists —
 *   budget ≤ 1.2×;
 * - the API's peak RSS — budget P9 ≤ 300 MB.
 * Histogram percentiles are bucket upper bounds (conservative).
 */
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import {
  atLeast,
  atMost,
  type BenchResult,
  type Figure,
  memoryOf,
  percentile,
  pinCpus,
  startApi,
  wholeNumber,
  log,
} from './_shared';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const MiB = 1024 * 1024;
const READ_RATE_PER_S = 20;

async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  return res.text();
}

function counterValue(text: string, name: string): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `))
      total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

/** Cumulative bucket counts of a histogram: `le` → count. */
function buckets(text: string, name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`).exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined)
      out.set(match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2]));
  }
  return out;
}

/** p-th percentile (upper bound of its bucket) of the observations between two scrapes. */
function histogramPercentile(before: Map<number, number>, after: Map<number, number>, p: number): number {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return Number.NaN;
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= (p / 100) * total) return le * 1000;
  }
  return Infinity;
}

const BENCH_ADMIN_PASSWORD = `Qz${process.pid}-vH7#nL2x-kP9w`;

/** Logs in as the bootstrap admin; the reads carry its access token (full guard stack). */
async function adminToken(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/authentication/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: BENCH_ADMIN_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login answered ${res.status}`);
  const body = (await res.json()) as { accessToken: string };
  return body.accessToken;
}

/** GETs `path` at a fixed rate for `ms` (authenticated) and returns the latencies of the 200 answers. */
async function fixedRateReads(port: number, path: string, ms: number): Promise<number[]> {
  const token = await adminToken(port);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const started = performance.now();
    pending.push(
      fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${token}` } }).then(
        async (res) => {
          await res.arrayBuffer();
          if (res.status === 200) latencies.push(performance.now() - started);
        },
      ),
    );
    await new Promise((r) => setTimeout(r, 1000 / READ_RATE_PER_S));
  }
  await Promise.all(pending);
  return latencies;
}

export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string', default: '10000' },
      seconds: { type: 'string', default: '60' },
      'interval-ms': { type: 'string', default: '10000' },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const nodes = wholeNumber(values.nodes, '--nodes');
  const seconds = wholeNumber(values.seconds, '--seconds');
  const intervalMs = wholeNumber(values['interval-ms'], '--interval-ms', 100);
  const pinning = pinCpus(!values['no-pin']);
  const adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const scratch = `hotswap_bench_fleet_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${scratch}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${scratch}`;
  const readPath = '/api/v1/environments/Development';
  log(
    `fleet: ${nodes} simulated nodes, heartbeat every ${intervalMs} ms, ${seconds} s measured; ${pinning.description}`,
  );
  const common = {
    DATABASE_URL: url.toString(),
    LOG_LEVEL: 'info',
    FLEET_SIMULATION: 'true',
    HOTSWAP_ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    // The read load (20/s from one user) must measure latency, not the per-user read budget.
    RATE_LIMIT_READS: '1000000',
  };
  try {
    // Baseline: the same route with no fleet yet (simulation on, zero nodes).
    const idle = await startApi({
      env: { ...common, FLEET_SIMULATION_NODES: '0,0,0,0' },
      cpus: pinning.children,
      timeoutMs: 60_000,
    });
    await fixedRateReads(idle.port, readPath, 2_000);
    const idleReads = await fixedRateReads(idle.port, readPath, 10_000);
    await idle.stop();

    const api = await startApi({
      env: {
        ...common,
        FLEET_SIMULATION_NODES: `${nodes},0,0,0`,
        HEARTBEAT_INTERVAL_MS: String(intervalMs),
      },
      cpus: pinning.children,
      timeoutMs: 120_000,
    });
    try {
      // Warm-up: one full interval so every node has heartbeated (the Initializing → Running wave).
      await new Promise((r) => setTimeout(r, intervalMs + 2_000));
      const before = await scrape(api.port);
      const t0 = performance.now();
      let peakRss = 0;
      const rssTimer = setInterval(() => {
        peakRss = Math.max(peakRss, memoryOf(api.pid)?.rss ?? 0);
      }, 500);
      const loadedReads = fixedRateReads(api.port, readPath, seconds * 1000);
      const reads = await loadedReads;
      clearInterval(rssTimer);
      const after = await scrape(api.port);
      const elapsed = (performance.now() - t0) / 1000;
      const beats =
        counterValue(after, 'hotswap_heartbeats_total') - counterValue(before, 'hotswap_heartbeats_total');
      const perSecond = beats / elapsed;
      const flushP99 = histogramPercentile(
        buckets(before, 'hotswap_heartbeat_flush_seconds'),
        buckets(after, 'hotswap_heartbeat_flush_seconds'),
        99,
      );
      const flushAt = (p: number) =>
        histogramPercentile(
          buckets(before, 'hotswap_heartbeat_flush_seconds'),
          buckets(after, 'hotswap_heartbeat_flush_seconds'),
          p,
        );
      const commitP99 = histogramPercentile(
        buckets(before, 'hotswap_heartbeat_ingest_seconds'),
        buckets(after, 'hotswap_heartbeat_ingest_seconds'),
        99,
      );
      const idleP99 = percentile(idleReads, 99);
      const loadedP99 = percentile(reads, 99);
      const expected = nodes / (intervalMs / 1000);
      const figures: Figure[] = [
        { label: 'heartbeats committed', value: beats, unit: '' },
        { label: 'heartbeats per second', value: perSecond, unit: '/s' },
        { label: 'expected rate (nodes / interval)', value: expected, unit: '/s' },
        { label: 'batched write p50 (bucket upper bound)', value: flushAt(50), unit: 'ms' },
        { label: 'batched write p90 (bucket upper bound)', value: flushAt(90), unit: 'ms' },
        { label: 'batched write p99 (one transaction per flush)', value: flushP99, unit: 'ms' },
        { label: 'receipt → commit p99 (incl. flush wait ≤ 200 ms)', value: commitP99, unit: 'ms' },
        { label: `read p99 idle (${READ_RATE_PER_S}/s)`, value: idleP99, unit: 'ms' },
        { label: `read p99 under heartbeat load (${READ_RATE_PER_S}/s)`, value: loadedP99, unit: 'ms' },
        { label: 'API peak RSS', value: peakRss / MiB, unit: 'MiB' },
      ];
      return {
        name: 'fleet',
        figures,
        budgets: [
          atLeast(
            'P4 heartbeats handled per second (≥ 95 % of nodes / interval)',
            perSecond,
            0.95 * expected,
            '/s',
          ),
          atMost('P4 heartbeat write p99', flushP99, 20, 'ms'),
          atMost('P4 read p99 under load vs idle', loadedP99 / idleP99, 1.2, '×'),
          atMost('P9 API RSS (PostgreSQL excluded)', peakRss / 1e6, 300, 'MB'),
        ],
        notes: [
          pinning.description,
          `database: PostgreSQL server (${url.host}), scratch database ${scratch}`,
          'histogram percentiles are the upper bound of the bucket holding the percentile',
          'the read stand-in for P1 is GET /api/v1/environments/Development (deployments do not exist yet)',
          'simulated heartbeats enter the same ingestion path as agents but not through a WebSocket',
        ],
      };
    } finally {
      await api.stop();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${scratch}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
