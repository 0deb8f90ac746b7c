/**
 * P1 (docs: performance.md) — an authenticated JSON read through the full middleware stack.
 *
 *   npm run bench -- api [--seconds 5] [--clients 16] [--runs 3] [--no-pin]
 *
 * Runs the compiled API with one extra unauthenticated route (bench/_p1-server.ts) on a scratch
 * database of the PostgreSQL server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres), creates a deployment, and takes the bytes
 * `GET /api/v1/deployments/{id}` answers; the bare route then serves exactly those bytes. Per run:
 * - saturation of each route: `--clients` keep-alive connections in a closed loop for `--seconds`
 *   (bare first, then authenticated), requests/s — budget: authenticated ≥ 0.7 × bare;
 * - the authenticated route at a fixed rate of 50 % of the bare route's saturation for `--seconds`,
 *   latency from each request's due time (open loop) — budget p99 ≤ 15 ms.
 * The authenticated read runs everything a client's read does: JWT guard (session check), roles,
 * rate limiting (its budget raised so that it never refuses), validation, logging, metrics.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { BenchApi, createScratch, dropScratch } from './_api-client';
import {
  atLeast,
  atMost,
  type BenchResult,
  type Figure,
  median,
  percentile,
  pinCpus,
  removeTempDir,
  ROOT,
  type RunningApi,
  startApi,
  tempDir,
  wholeNumber,
  log,
  delay,
} from './_shared';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN_PASSWORD = `Ra${process.pid}-wK6#pD2m-hS9x`;
const ENTRY = path.join(ROOT, 'dist', 'bench', '_p1-server.js');
const MODULE = 'payment-processor';

/** One GET on a kept-alive connection; resolves with the status once the body was read. */
function get(
  agent: http.Agent,
  port: number,
  pathname: string,
  headers: http.OutgoingHttpHeaders,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent, headers }, (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

interface Target {
  readonly pathname: string;
  readonly headers: http.OutgoingHttpHeaders;
}

/** Requests/s of `clients` closed loops for `seconds`; throws on any answer other than 200. */
async function saturation(port: number, target: Target, clients: number, seconds: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        const status = await get(agent, port, target.pathname, target.headers);
        if (status !== 200) throw new Error(`${target.pathname} answered ${status}`);
        done += 1;
      }
    }),
  );
  const rate = done / ((performance.now() - started) / 1000);
  agent.destroy();
  return rate;
}

/** Latencies (ms, from each request's due time) of `rate` requests/s for `seconds`. */
async function fixedRate(port: number, target: Target, rate: number, seconds: number): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const interval = 1000 / rate;
  const total = Math.floor(seconds * rate);
  const start = performance.now();
  const pending: Promise<number>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await delay(wait);
    pending.push(
      get(agent, port, target.pathname, target.headers).then((status) => {
        if (status !== 200) throw new Error(`${target.pathname} answered ${status}`);
        return performance.now() - due;
      }),
    );
  }
  const latencies = await Promise.all(pending);
  agent.destroy();
  return latencies;
}

interface RunFigures {
  readonly bare: number;
  readonly authenticated: number;
  readonly p50: number;
  readonly p99: number;
  readonly rate: number;
}

export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      seconds: { type: 'string', default: '5' },
      clients: { type: 'string', default: '16' },
      runs: { type: 'string', default: '3' },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const seconds = wholeNumber(values.seconds, '--seconds');
  const clients = wholeNumber(values.clients, '--clients');
  const runs = wholeNumber(values.runs, '--runs');
  const pinning = pinCpus(!values['no-pin']);
  const adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const scratch = await createScratch(admin, adminUrl, 'api', 'p1');
  const dir = await tempDir('hotswap-bench-api-');
  const bodyFile = path.join(dir, 'deployment.json');
  let running: RunningApi | undefined;
  try {
    running = await startApi({
      entry: ENTRY,
      env: {
        DATABASE_URL: scratch.url,
        LOG_LEVEL: 'info',
        NODE_ENV: 'production',
        JWT_SECRET: `bench-api-${process.pid}-8e2b4d7c1f9a3e6b5d0c2a4f7e9b1d3c`,
        HOTSWAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        FLEET_SIMULATION: 'false',
        RATE_LIMIT_READS: '1000000',
        BENCH_BARE_BODY_FILE: bodyFile,
      },
      cpus: pinning.children,
      timeoutMs: 120_000,
    });
    const api = new BenchApi(running, ADMIN_PASSWORD);
    await api.login();
    await api.publish(MODULE, '1.0.0');
    const id = await api.deploy({
      moduleName: MODULE,
      version: '1.0.0',
      targetEnvironment: 'Development',
      promotion: 'target-only',
    });
    // Let the runner finish with it (no nodes: it fails), so the bytes no longer change.
    for (let i = 0; i < 200; i++) {
      const res = await api.send('GET', `/api/v1/deployments/${id}`);
      const status = (res.body as { status?: string }).status;
      if (status !== undefined && !['Queued', 'Running'].includes(status)) break;
      await delay(50);
    }
    const token = api.authorization;
    const read = await fetch(`${api.base}/api/v1/deployments/${id}`, { headers: { authorization: token } });
    if (read.status !== 200) throw new Error(`GET deployment answered ${read.status}`);
    const bytes = Buffer.from(await read.arrayBuffer());
    writeFileSync(bodyFile, bytes);
    const bare: Target = { pathname: '/api/v1/bench/bare', headers: {} };
    const authenticated: Target = {
      pathname: `/api/v1/deployments/${id}`,
      headers: { authorization: token },
    };
    const bareCheck = await fetch(`${api.base}${bare.pathname}`);
    if (!Buffer.from(await bareCheck.arrayBuffer()).equals(bytes))
      throw new Error('the bare route does not serve the same bytes');
    log(`api: ${bytes.length} bytes per answer; warming up`);
    await saturation(running.port, bare, clients, 1);
    await saturation(running.port, authenticated, clients, 1);

    const results: RunFigures[] = [];
    for (let r = 0; r < runs; r++) {
      const bareRate = await saturation(running.port, bare, clients, seconds);
      const authRate = await saturation(running.port, authenticated, clients, seconds);
      const rate = Math.max(1, Math.round(bareRate / 2));
      const latencies = await fixedRate(running.port, authenticated, rate, seconds);
      results.push({
        bare: bareRate,
        authenticated: authRate,
        rate,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
      });
      log(
        `api run ${r + 1}: bare ${bareRate.toFixed(0)}/s, authenticated ${authRate.toFixed(0)}/s, at ${rate}/s p99 ${percentile(latencies, 99).toFixed(1)} ms`,
      );
    }
    const ratio = median(results.map((x) => x.authenticated / x.bare));
    const p99 = median(results.map((x) => x.p99));
    const figures: Figure[] = [
      {
        label: `bare route, ${clients} clients (median of ${runs})`,
        value: median(results.map((x) => x.bare)),
        unit: 'req/s',
      },
      {
        label: `authenticated read, ${clients} clients`,
        value: median(results.map((x) => x.authenticated)),
        unit: 'req/s',
      },
      { label: 'authenticated / bare', value: ratio, unit: '×' },
      {
        label: 'fixed rate (50 % of bare saturation)',
        value: median(results.map((x) => x.rate)),
        unit: 'req/s',
      },
      { label: 'authenticated read p50 at that rate', value: median(results.map((x) => x.p50)), unit: 'ms' },
      { label: 'authenticated read p99 at that rate', value: p99, unit: 'ms' },
    ];
    return {
      name: 'api',
      figures,
      budgets: [
        atLeast('P1 authenticated read vs bare route', ratio, 0.7, '×'),
        atMost('P1 p99 at 50 % of bare saturation', p99, 15, 'ms'),
      ],
      notes: [
        pinning.description,
        `answer: ${bytes.length} bytes of GET /api/v1/deployments/{id}; runs: ${results
          .map((x) => `${(x.authenticated / x.bare).toFixed(2)}× / p99 ${x.p99.toFixed(1)} ms`)
          .join(', ')}`,
        'database: PostgreSQL server, scratch database; load generator: node:http keep-alive clients in the bench process',
      ],
    };
  } finally {
    await running?.stop();
    await removeTempDir(dir);
    await dropScratch(admin, scratch);
    await admin.end();
  }
}
