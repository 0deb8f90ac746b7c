/**
 * Helpers shared by the benches in `bench/` (files starting with `_` are not benches): result types,
 * statistics, the result table, CPU pinning with `taskset`, and starting / stopping processes under
 * test — in particular the compiled HotSwap API — with every wait bounded.
 */
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** The repository root (this file runs from `dist/bench/`). */
export const ROOT = path.join(__dirname, '..', '..');
/** The compiled API entry point; `node scripts/build.mjs` writes it. */
export const API_ENTRY = path.join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
export const GATEWAY_ENTRY = path.join(ROOT, 'dist', 'apps', 'gateway', 'src', 'main.js');

// ---------------------------------------------------------------------------------------------------
// Results

export interface Figure {
  readonly label: string;
  readonly value: number;
  readonly unit: string;
}

export interface Budget {
  readonly label: string;
  readonly measured: number;
  readonly limit: number;
  readonly unit: string;
  readonly ok: boolean;
  /** How `measured` is compared with `limit`; `at-most` when absent. */
  readonly direction?: 'at-most' | 'at-least';
}

export interface BenchResult {
  readonly name: string;
  readonly figures: Figure[];
  readonly budgets: Budget[];
  /** Free-form lines printed under the tables (how it was measured, pinning, …). */
  readonly notes?: string[];
}

/** What every `bench/<name>.ts` exports. */
export type BenchRun = (args: string[]) => Promise<BenchResult>;

export function atMost(label: string, measured: number, limit: number, unit: string): Budget {
  return { label, measured, limit, unit, ok: measured <= limit, direction: 'at-most' };
}

export function atLeast(label: string, measured: number, limit: number, unit: string): Budget {
  return { label, measured, limit, unit, ok: measured >= limit, direction: 'at-least' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function isFigure(value: unknown): value is Figure {
  return (
    isRecord(value) &&
    typeof value.label === 'string' &&
    typeof value.value === 'number' &&
    typeof value.unit === 'string'
  );
}

function isBudget(value: unknown): value is Budget {
  return (
    isRecord(value) &&
    typeof value.label === 'string' &&
    typeof value.measured === 'number' &&
    typeof value.limit === 'number' &&
    typeof value.unit === 'string' &&
    typeof value.ok === 'boolean' &&
    (value.direction === undefined || value.direction === 'at-most' || value.direction === 'at-least')
  );
}

export function isBenchResult(value: unknown): value is BenchResult {
  return (
    isRecord(value) &&
    typeof value.name === 'string' &&
    Array.isArray(value.figures) &&
    value.figures.every(isFigure) &&
    Array.isArray(value.budgets) &&
    value.budgets.every(isBudget) &&
    (value.notes === undefined ||
      (Array.isArray(value.notes) && value.notes.every((n) => typeof n === 'string')))
  );
}

// ---------------------------------------------------------------------------------------------------
// Statistics

function sorted(samples: readonly number[]): number[] {
  if (samples.length === 0) throw new Error('no samples');
  return [...samples].sort((a, b) => a - b);
}

/** Nearest-rank percentile (`p` in 0–100): always one of the samples. */
export function percentile(samples: readonly number[], p: number): number {
  const s = sorted(samples);
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1] ?? Number.NaN;
}

/** The median (the mean of the two middle samples when their number is even). */
export function median(samples: readonly number[]): number {
  const s = sorted(samples);
  const mid = Math.floor(s.length / 2);
  const upper = s[mid] ?? Number.NaN;
  return s.length % 2 === 1 ? upper : ((s[mid - 1] ?? Number.NaN) + upper) / 2;
}

/** `<label> median`, `p90` and `max` figures for a set of samples. */
export function spread(label: string, samples: readonly number[], unit: string): Figure[] {
  return [
    { label: `${label} (median)`, value: median(samples), unit },
    { label: `${label} (p90)`, value: percentile(samples, 90), unit },
    { label: `${label} (max)`, value: Math.max(...samples), unit },
  ];
}

// ---------------------------------------------------------------------------------------------------
// Printing

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly usableCores: number;
  readonly node: string;
  readonly os: string;
  readonly memoryGiB: number;
}

export function machineInfo(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    usableCores: os.availableParallelism(),
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memoryGiB: os.totalmem() / 1024 ** 3,
  };
}

export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 100 || Number.isInteger(value) ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(header: string[], rows: string[][], rightAligned: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return rightAligned.has(i) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function formatResult(result: BenchResult, machine: Machine): string {
  const out: string[] = [];
  out.push(`bench: ${result.name}`);
  out.push(
    `machine: ${machine.cpuModel}, ${machine.cores} cores (${machine.usableCores} usable), ` +
      `${formatNumber(machine.memoryGiB)} GiB RAM, ${machine.os}, node ${machine.node}`,
  );
  out.push('');
  out.push(
    table(
      ['figure', 'value', 'unit'],
      result.figures.map((f) => [f.label, formatNumber(f.value), f.unit]),
      new Set([1]),
    ),
  );
  out.push('');
  if (result.budgets.length === 0) {
    out.push('(no budgets)');
  } else {
    out.push(
      table(
        ['budget', 'measured', 'limit', 'unit', 'result'],
        result.budgets.map((b) => [
          b.label,
          formatNumber(b.measured),
          `${b.direction === 'at-least' ? '≥' : '≤'} ${formatNumber(b.limit)}`,
          b.unit,
          b.ok ? 'ok' : 'MISSED',
        ]),
        new Set([1, 2]),
      ),
    );
  }
  if (result.notes && result.notes.length > 0) {
    out.push('');
    for (const note of result.notes) out.push(`note: ${note}`);
  }
  const missed = result.budgets.filter((b) => !b.ok).length;
  out.push('');
  out.push(
    missed === 0
      ? `result: all ${result.budgets.length} budget(s) met`
      : `result: ${missed} of ${result.budgets.length} budget(s) MISSED`,
  );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Arguments

/** Parses a whole number ≥ `min` given on the command line. */
export function wholeNumber(value: string | undefined, option: string, min = 1): number {
  if (value === undefined || !/^\d+$/.test(value) || Number(value) < min) {
    throw new Error(`${option} takes a whole number ≥ ${min}, got ${String(value)}`);
  }
  return Number(value);
}

// ---------------------------------------------------------------------------------------------------
// Cleanup: processes and directories a bench created are removed even when it fails or is interrupted

const liveChildren = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let cleanupInstalled = false;

function cleanupNow(): void {
  for (const child of liveChildren) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  liveChildren.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

/**
 * On exit — including Ctrl-C and SIGTERM of the runner — SIGKILLs, by PID, the processes started
 * through this module that are still running, and removes the temporary directories it created.
 */
export function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', cleanupNow);
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}

/** A new, empty temporary directory, removed at exit unless `removeTempDir` removed it before. */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

// ---------------------------------------------------------------------------------------------------
// CPU pinning

function parseCpuList(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.split(',')) {
    const [from, to] = part.trim().split('-');
    const start = Number(from);
    const end = to === undefined ? start : Number(to);
    if (!Number.isInteger(start) || !Number.isInteger(end)) continue;
    for (let cpu = start; cpu <= end; cpu++) cpus.push(cpu);
  }
  return cpus;
}

export interface Pinning {
  /** The `taskset -c` list for processes under test; undefined when not pinned. */
  readonly children?: string;
  /** The CPU this process is pinned to (for helper processes that are not under test); undefined when not pinned. */
  readonly own?: string;
  readonly description: string;
}

/**
 * Pins this (load-generating / measuring) process to the first CPU it may use and returns the
 * remaining CPUs for the processes under test. No pinning when disabled, when `taskset` is missing
 * or when fewer than two CPUs are available.
 */
export function pinCpus(enabled: boolean): Pinning {
  if (!enabled) return { description: 'not pinned (--no-pin)' };
  const current = spawnSync('taskset', ['-p', '-c', String(process.pid)], { encoding: 'utf8' });
  if (current.error !== undefined || current.status !== 0) {
    return { description: 'not pinned (taskset is not available)' };
  }
  const cpus = parseCpuList(/list:\s*(\S+)/.exec(current.stdout)?.[1] ?? '');
  const [own, ...others] = cpus;
  if (own === undefined || others.length === 0) {
    return { description: `not pinned (only ${cpus.length} CPU available)` };
  }
  const pinned = spawnSync('taskset', ['-a', '-p', '-c', String(own), String(process.pid)], {
    encoding: 'utf8',
  });
  if (pinned.error !== undefined || pinned.status !== 0) {
    return { description: `not pinned (taskset failed: ${pinned.stderr.trim()})` };
  }
  const children = others.join(',');
  return {
    children,
    own: String(own),
    description: `bench process on CPU ${own}, processes under test on CPU ${children} (taskset)`,
  };
}

// ---------------------------------------------------------------------------------------------------
// Processes

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Spawns `command` (under `taskset -c cpus` when given: taskset execs it, so the PID is the same). */
export function spawnTracked(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  cpus?: string,
): { child: ChildProcess; exited: Promise<Exit> } {
  const child =
    cpus === undefined
      ? spawn(command, args, options)
      : spawn('taskset', ['-c', cpus, command, ...args], options);
  liveChildren.add(child);
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      liveChildren.delete(child);
      resolve({ code: child.exitCode, signal: child.signalCode });
    });
  });
  return { child, exited };
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A progress line on stderr (stdout carries the result table). */
export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Resolves with `promise`, or with `undefined` when `ms` pass first. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, ms));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs a process to completion and returns its wall time in ms; fails on a non-zero exit. */
export async function timeProcess(
  command: string,
  args: readonly string[],
  options: { cpus?: string; timeoutMs: number },
): Promise<number> {
  const started = performance.now();
  const { child, exited } = spawnTracked(command, args, { stdio: 'ignore' }, options.cpus);
  const exit = await within(exited, options.timeoutMs);
  const elapsed = performance.now() - started;
  if (exit === undefined) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${command} did not exit within ${options.timeoutMs} ms`);
  }
  if (exit.code !== 0) throw new Error(`${command} exited with ${exit.code ?? exit.signal}`);
  return elapsed;
}

export interface MemoryUse {
  /** Resident set size now (VmRSS), in bytes. */
  readonly rss: number;
  /** Peak resident set size so far (VmHWM), in bytes. */
  readonly peakRss: number;
}

/** RSS of a process from /proc (Linux); undefined where that is not available. */
export function memoryOf(pid: number): MemoryUse | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string): number | undefined => {
    const value = new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, 'm').exec(status)?.[1];
    return value === undefined ? undefined : Number(value) * 1024;
  };
  const rss = kb('VmRSS');
  const peakRss = kb('VmHWM');
  return rss === undefined || peakRss === undefined ? undefined : { rss, peakRss };
}

interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

function httpGet(port: number, pathname: string, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: '127.0.0.1', port, path: pathname, agent: false, timeout: timeoutMs },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`GET ${pathname} timed out`)));
    request.on('error', reject);
  });
}

const LISTENING = new Set(['HotSwap API listening', 'HotSwap event gateway listening']);

function listeningPort(line: string): number | undefined {
  if (!line.includes(' listening')) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  return isRecord(record) &&
    typeof record.msg === 'string' &&
    LISTENING.has(record.msg) &&
    typeof record.port === 'number'
    ? record.port
    : undefined;
}

export interface ApiStartOptions {
  /** Settings for the API; the process gets these plus PORT=0, HOST=127.0.0.1 and PATH only. */
  readonly env: Readonly<Record<string, string>>;
  /** `taskset -c` CPU list for the API process. */
  readonly cpus?: string;
  /** Bound on spawn → ready; the start fails (and the process is killed) past it. */
  readonly timeoutMs: number;
  /** Interval between readiness probes once the port is known. */
  readonly pollMs?: number;
  /** The compiled entry point: the API (default), the event gateway ({@link GATEWAY_ENTRY}) or a bench's variant of the API. */
  readonly entry?: string;
  /** Node options before the entry point (the gateway's start command has some, DR-35). */
  readonly nodeArgs?: readonly string[];
}

export interface StopResult extends Exit {
  /** SIGTERM → exit, in ms. */
  readonly ms: number;
  /** True when the process had to be SIGKILLed. */
  readonly forced: boolean;
}

export interface RunningApi {
  readonly pid: number;
  readonly port: number;
  /** spawn → the "HotSwap API listening" log line, in ms. */
  readonly listeningMs: number;
  /** spawn → the first `GET /health/ready` answered 200, in ms. */
  readonly readyMs: number;
  /** The body of that 200 answer, parsed. */
  readonly readyBody: unknown;
  /** Memory of the process right after it was ready. */
  readonly memoryAtReady: MemoryUse | undefined;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  output(): string;
  /** SIGTERM, wait up to `timeoutMs` for the exit, then SIGKILL (by PID) as a fallback. */
  stop(timeoutMs?: number): Promise<StopResult>;
}

const OUTPUT_LINES_KEPT = 40;

/**
 * Starts the compiled HotSwap API and waits until `GET /health/ready` answers 200. The port is read
 * from the "HotSwap API listening" log line (the API is started with PORT=0). Times are measured from
 * just before `spawn`. Throws — after killing the process — when it exits early or is not ready in
 * time.
 */
export async function startApi(options: ApiStartOptions): Promise<RunningApi> {
  const entry = options.entry ?? API_ENTRY;
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run node scripts/build.mjs first`);
  const pollMs = options.pollMs ?? 10;
  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    PORT: '0',
    HOST: '127.0.0.1',
    ...options.env,
  };
  // The API writes its log to a file, not a pipe: a pipe the bench process reads between requests
  // of its own fills up (the log is synchronous on Linux pipes), and the API would then wait for the
  // load generator to read it — measuring the bench, not the API.
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'hotswap-bench-log-'));
  tempDirs.add(logDir);
  const logFile = path.join(logDir, 'api.log');
  const logFd = openSync(logFile, 'w');
  const output = (): string => {
    try {
      return readFileSync(logFile, 'utf8').split('\n').slice(-OUTPUT_LINES_KEPT).join('\n');
    } catch {
      return '(no log)';
    }
  };

  const started = performance.now();
  const deadline = started + options.timeoutMs;
  const { child, exited } = spawnTracked(
    process.execPath,
    [...(options.nodeArgs ?? []), entry],
    { cwd: ROOT, env, stdio: ['ignore', logFd, logFd] },
    options.cpus,
  );
  closeSync(logFd);
  let exit: Exit | undefined;
  void exited.then((e) => (exit = e));
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));

  // Follows the log until the "listening" line.
  const listeningPromise = (async (): Promise<{ port: number; at: number }> => {
    let offset = 0;
    let partial = '';
    const buffer = Buffer.alloc(64 * 1024);
    const fd = openSync(logFile, 'r');
    try {
      for (;;) {
        const read = readSync(fd, buffer, 0, buffer.length, offset);
        if (read > 0) {
          offset += read;
          const parts = (partial + buffer.toString('utf8', 0, read)).split('\n');
          partial = parts.pop() ?? '';
          for (const line of parts) {
            const port = listeningPort(line);
            if (port !== undefined) return { port, at: performance.now() };
          }
          continue;
        }
        if (exit !== undefined || performance.now() > deadline) return new Promise<never>(() => undefined);
        await delay(Math.min(pollMs, 5));
      }
    } finally {
      closeSync(fd);
    }
  })();

  const fail = async (why: string): Promise<never> => {
    if (exit === undefined) {
      child.kill('SIGKILL');
      await within(exited, 5_000);
    }
    throw new Error(`API ${why}. Last output:\n${output()}`);
  };

  const first = await within(
    Promise.race([
      listeningPromise.then((l) => ({ kind: 'listening' as const, ...l })),
      exited.then((e) => ({ kind: 'exited' as const, ...e })),
      spawnFailed.then((error) => ({ kind: 'error' as const, error })),
    ]),
    deadline - performance.now(),
  );
  if (first === undefined) return fail(`did not log "HotSwap API listening" within ${options.timeoutMs} ms`);
  if (first.kind === 'error') return fail(`could not be started: ${first.error.message}`);
  if (first.kind === 'exited') return fail(`exited (${first.code ?? first.signal}) before listening`);

  const { port, at: listeningAt } = first;
  let lastAnswer = 'no answer yet';
  for (;;) {
    if (exit !== undefined) return fail(`exited (${exit.code ?? exit.signal}) before ready`);
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      return fail(`was not ready within ${options.timeoutMs} ms (last /health/ready: ${lastAnswer})`);
    }
    const answer = await httpGet(port, '/health/ready', Math.min(2_000, remaining)).catch(
      (error: unknown) => error as Error,
    );
    if (!(answer instanceof Error) && answer.status === 200) {
      const readyAt = performance.now();
      const pid = child.pid ?? 0;
      const memoryAtReady = memoryOf(pid);
      let readyBody: unknown;
      try {
        readyBody = JSON.parse(answer.body);
      } catch {
        readyBody = answer.body;
      }
      return {
        pid,
        port,
        listeningMs: listeningAt - started,
        readyMs: readyAt - started,
        readyBody,
        memoryAtReady,
        output,
        stop: async (timeoutMs = 15_000) => {
          const stopping = performance.now();
          if (exit !== undefined) return { ...exit, ms: 0, forced: false };
          child.kill('SIGTERM');
          const graceful = await within(exited, timeoutMs);
          if (graceful !== undefined) return { ...graceful, ms: performance.now() - stopping, forced: false };
          child.kill('SIGKILL');
          const killed = (await within(exited, 5_000)) ?? { code: null, signal: null };
          return { ...killed, ms: performance.now() - stopping, forced: true };
        },
      };
    }
    lastAnswer = answer instanceof Error ? answer.message : `${answer.status} ${answer.body.slice(0, 200)}`;
    await delay(pollMs);
  }
}

/**
 * Transactions/s of `pgbench` running `script` (a file of pgbench commands) with `clients` clients on
 * two threads for `seconds`, against `url` (a connection URI, which pgbench takes as its database).
 */
export function pgbenchTps(url: string, script: string, clients: number, seconds: number): number {
  const result = spawnSync(
    'pgbench',
    ['-n', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', script, url],
    { encoding: 'utf8', timeout: (seconds + 30) * 1000 },
  );
  if (result.error !== undefined) throw new Error(`pgbench could not run: ${result.error.message}`);
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(result.stdout)?.[1];
  if (result.status !== 0 || tps === undefined) {
    throw new Error(`pgbench failed (${result.status}): ${result.stderr}${result.stdout}`);
  }
  return Number(tps);
}
