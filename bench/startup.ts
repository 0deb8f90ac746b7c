/**
 * P8 (docs: performance.md) — start-up: time from spawning the compiled API to the first
 * `GET /health/ready` = 200.
 *
 *   npm run bench -- startup [--runs N] [--no-pin]
 *
 * Modes, `--runs` (default 5) measured starts each, medians reported:
 * - embedded, first run on a fresh DATA_DIR (informational: creates the PGlite cluster, migrates);
 * - embedded, reopening a DATA_DIR that has been started once — budget ≤ 5 s;
 * - PostgreSQL, a scratch database created on BENCH_DATABASE_URL (default
 *   postgres://postgres@127.0.0.1:5432/postgres) and dropped at the end; one unmeasured warm-up start
 *   applies the migrations — budget ≤ 2 s.
 * A bare `node:http` process start is measured in the same run as a reference. Every start is bounded
 * by 60 s; each process is stopped with SIGTERM (SIGKILL by PID only as a fallback).
 */
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import {
  atMost,
  type BenchResult,
  type Figure,
  median,
  pinCpus,
  removeTempDir,
  spread,
  startApi,
  type StopResult,
  tempDir,
  timeProcess,
  wholeNumber,
} from './_shared';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const EMBEDDED_REOPEN_BUDGET_MS = 5_000;
const POSTGRES_BUDGET_MS = 2_000;
const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const BARE_NODE = "require('http').createServer().listen(0,()=>process.exit(0))";
const MiB = 1024 * 1024;

interface Sample {
  readonly listeningMs: number;
  readonly readyMs: number;
  readonly rssMiB: number | undefined;
  readonly peakRssMiB: number | undefined;
  readonly stop: StopResult;
}

interface Mode {
  readonly label: string;
  readonly env: Record<string, string>;
  /** What `/health/ready` must report as `database.embedded`, to be sure the mode is the intended one. */
  readonly embedded: boolean;
}

function reportsEmbedded(body: unknown): boolean | undefined {
  if (typeof body !== 'object' || body === null || !('details' in body)) return undefined;
  const details = body.details;
  if (typeof details !== 'object' || details === null || !('database' in details)) return undefined;
  const database = details.database;
  if (typeof database !== 'object' || database === null || !('embedded' in database)) return undefined;
  return typeof database.embedded === 'boolean' ? database.embedded : undefined;
}

async function startOnce(mode: Mode, cpus: string | undefined): Promise<Sample> {
  const api = await startApi({
    env: { LOG_LEVEL: 'info', ...mode.env },
    cpus,
    timeoutMs: START_TIMEOUT_MS,
  });
  const stop = await api.stop(STOP_TIMEOUT_MS);
  const embedded = reportsEmbedded(api.readyBody);
  if (embedded !== mode.embedded) {
    throw new Error(
      `${mode.label}: /health/ready reported database.embedded=${String(embedded)}, expected ${mode.embedded}`,
    );
  }
  const sample: Sample = {
    listeningMs: api.listeningMs,
    readyMs: api.readyMs,
    rssMiB: api.memoryAtReady && api.memoryAtReady.rss / MiB,
    peakRssMiB: api.memoryAtReady && api.memoryAtReady.peakRss / MiB,
    stop,
  };
  process.stderr.write(
    `  ${mode.label}: ready in ${Math.round(sample.readyMs)} ms` +
      `${sample.rssMiB === undefined ? '' : `, RSS ${Math.round(sample.rssMiB)} MiB`}` +
      `, stopped in ${Math.round(stop.ms)} ms (exit ${stop.code ?? stop.signal}${stop.forced ? ', SIGKILLed' : ''})\n`,
  );
  return sample;
}

function defined(values: (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined);
}

function modeFigures(label: string, samples: Sample[], bareMs: number): Figure[] {
  const figures: Figure[] = [
    {
      label: `${label}: spawn → "listening" log (median)`,
      value: median(samples.map((s) => s.listeningMs)),
      unit: 'ms',
    },
    ...spread(
      `${label}: spawn → /health/ready 200`,
      samples.map((s) => s.readyMs),
      'ms',
    ),
    {
      label: `${label}: ready ÷ bare node start (median)`,
      value: median(samples.map((s) => s.readyMs)) / bareMs,
      unit: '×',
    },
  ];
  const rss = defined(samples.map((s) => s.rssMiB));
  const peak = defined(samples.map((s) => s.peakRssMiB));
  if (rss.length > 0)
    figures.push({ label: `${label}: RSS at ready (median)`, value: median(rss), unit: 'MiB' });
  if (peak.length > 0) {
    figures.push({ label: `${label}: peak RSS up to ready (median)`, value: median(peak), unit: 'MiB' });
  }
  return figures;
}

function redacted(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password) copy.password = '***';
  return copy.toString();
}

export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: { runs: { type: 'string', default: '5' }, 'no-pin': { type: 'boolean', default: false } },
    strict: true,
    allowPositionals: false,
  });
  const runs = wholeNumber(values.runs, '--runs');
  const pinning = pinCpus(!values['no-pin']);
  const cpus = pinning.children;
  const adminUrl = new URL(process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL);
  const scratchName = `hotswap_bench_startup_${process.pid}_${Date.now()}`;
  const scratchUrl = new URL(adminUrl.toString());
  scratchUrl.pathname = `/${scratchName}`;

  // Fail fast when PostgreSQL is unreachable, before the long embedded runs.
  const admin = new Client({ connectionString: adminUrl.toString(), connectionTimeoutMillis: 10_000 });
  await admin.connect().catch((error: unknown) => {
    throw new Error(
      `cannot connect to PostgreSQL at ${redacted(adminUrl)} (set BENCH_DATABASE_URL): ${String(error)}`,
    );
  });
  admin.on('error', () => undefined);
  let created = false;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  try {
    log(`startup: ${runs} run(s) per mode; ${pinning.description}`);

    log('bare node:http process start');
    const bare: number[] = [];
    for (let i = 0; i < Math.max(runs, 5); i++) {
      bare.push(
        await timeProcess(process.execPath, ['-e', BARE_NODE], { cpus, timeoutMs: START_TIMEOUT_MS }),
      );
    }
    const bareMs = median(bare);

    log('embedded, fresh DATA_DIR');
    const fresh: Sample[] = [];
    let reopenDir: string | undefined;
    for (let i = 0; i < runs; i++) {
      const dir = await tempDir('hotswap-bench-startup');
      const mode = { label: 'embedded, fresh', env: { DATA_DIR: dir }, embedded: true };
      fresh.push(await startOnce(mode, cpus));
      if (reopenDir === undefined) reopenDir = dir;
      else await removeTempDir(dir);
    }
    if (reopenDir === undefined) throw new Error('no fresh DATA_DIR was created');

    log('embedded, reopened DATA_DIR');
    const reopened: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      const mode = { label: 'embedded, reopen', env: { DATA_DIR: reopenDir }, embedded: true };
      reopened.push(await startOnce(mode, cpus));
    }
    await removeTempDir(reopenDir);

    log(`PostgreSQL, scratch database ${scratchName} (first start migrates, not measured)`);
    await admin.query(`CREATE DATABASE "${scratchName}"`);
    created = true;
    const pgMode = { label: 'PostgreSQL', env: { DATABASE_URL: scratchUrl.toString() }, embedded: false };
    const warmUp = await startOnce({ ...pgMode, label: 'PostgreSQL warm-up (migrates)' }, cpus);
    const postgres: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      postgres.push(await startOnce(pgMode, cpus));
    }

    const stops = [...fresh, ...reopened, warmUp, ...postgres].map((s) => s.stop);
    const reopenMedian = median(reopened.map((s) => s.readyMs));
    const postgresMedian = median(postgres.map((s) => s.readyMs));
    return {
      name: 'startup',
      figures: [
        ...spread('bare node:http process, spawn → exit', bare, 'ms'),
        ...modeFigures('embedded, fresh DATA_DIR', fresh, bareMs),
        ...modeFigures('embedded, reopened DATA_DIR', reopened, bareMs),
        ...modeFigures('PostgreSQL', postgres, bareMs),
        {
          label: 'PostgreSQL: first start incl. migrations (1 run)',
          value: warmUp.readyMs,
          unit: 'ms',
        },
        ...spread(
          'SIGTERM → exit, all starts',
          stops.map((s) => s.ms),
          'ms',
        ),
        {
          label: 'unclean stops (exit ≠ 0 or SIGKILLed)',
          value: stops.filter((s) => s.code !== 0 || s.forced).length,
          unit: 'count',
        },
      ],
      budgets: [
        atMost(
          'P8 embedded, reopened DATA_DIR: ready (median)',
          reopenMedian,
          EMBEDDED_REOPEN_BUDGET_MS,
          'ms',
        ),
        atMost('P8 PostgreSQL: ready (median)', postgresMedian, POSTGRES_BUDGET_MS, 'ms'),
      ],
      notes: [
        `${runs} measured start(s) per mode; bare node start measured ${bare.length} times`,
        'time = spawn → first 200 from GET /health/ready (polled every 10 ms once the port is logged)',
        'RSS read from /proc/<pid>/status (VmRSS, VmHWM) right after ready; embedded mode includes PGlite',
        `API env: PORT=0 HOST=127.0.0.1 LOG_LEVEL=info + DATA_DIR or DATABASE_URL, nothing inherited but PATH`,
        `PostgreSQL: scratch database on ${redacted(adminUrl)}, dropped at the end`,
        pinning.description,
      ],
    };
  } finally {
    if (created) {
      await admin
        .query(`DROP DATABASE IF EXISTS "${scratchName}" WITH (FORCE)`)
        .catch((error: unknown) => log(`could not drop scratch database ${scratchName}: ${String(error)}`));
    }
    await admin.end().catch(() => undefined);
  }
}
