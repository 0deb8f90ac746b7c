/**
 * P7 (docs: performance.md) — crash recovery of a rollout.
 *
 *   npm run bench -- recovery [--nodes 1000] [--batch 100] [--install-ms 2000] [--runs 3] [--no-pin]
 *
 * Per run, on a scratch database of the PostgreSQL server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres): two API processes with default queue settings share
 * a simulated QA environment of `--nodes` nodes, all on 1.0.0. A Rolling rollout of 2.0.0 in batches
 * of `--batch` starts, each install taking `--install-ms` (a fault profile of the simulated fleet). While
 * the third batch's installs are under way, the process executing the rollout (the one whose lock
 * connection holds the deployment's lock) is SIGKILLed. Measured:
 * - resume: SIGKILL → the other process holds the deployment's lock (it is running the rollout);
 * - the interrupted batch finished: SIGKILL → its last node operation finished;
 * - the outcome, and from the node-operation log and the node slots: planned nodes left without the
 *   new version (lost) and nodes that applied it more than once (duplicated).
 * Budgets: resume ≤ 10 s in every run; the rollout succeeds with 0 lost and 0 duplicated.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { lockKey } from '@hotswap/coordination';
import { BenchApi, createScratch, dropScratch, waitForFinish } from './_api-client';
import {
  atLeast,
  atMost,
  type BenchResult,
  type Figure,
  median,
  pinCpus,
  type RunningApi,
  startApi,
  wholeNumber,
  log,
  delay,
} from './_shared';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN_PASSWORD = `Rc${process.pid}-qT4#mW8z-jN3v`;
const MODULE = 'payment-processor';
/** Both processes sign and verify with the same key. */
const SECRET = randomBytes(48).toString('base64url');

interface RunFigures {
  readonly resumeMs: number;
  readonly batchFinishedMs: number;
  readonly status: string;
  readonly lost: number;
  readonly duplicated: number;
  readonly operations: number;
}

/** The pid named by the application_name of the lock connection holding `resource`, if any. */
async function lockHolderPid(db: Client, resource: string): Promise<number | undefined> {
  const rows = await db.query<{ application_name: string }>(
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
       AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
    [lockKey(resource).toString()],
  );
  const pid = /pid=(\d+)$/.exec(rows.rows[0]?.application_name ?? '')?.[1];
  return pid === undefined ? undefined : Number(pid);
}

async function oneRun(
  adminUrl: string,
  admin: Client,
  run: number,
  options: { nodes: number; batch: number; installMs: number; cpus: string | undefined },
): Promise<RunFigures> {
  const scratch = await createScratch(admin, adminUrl, 'recovery', String(run));
  const db = new Client({ connectionString: scratch.url });
  const apis: RunningApi[] = [];
  const start = async (): Promise<BenchApi> => {
    const running = await startApi({
      env: {
        DATABASE_URL: scratch.url,
        LOG_LEVEL: 'info',
        JWT_SECRET: SECRET,
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: `0,${options.nodes},0,0`,
        HOTSWAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        RATE_LIMIT_MUTATING: '1000000',
        RATE_LIMIT_READS: '1000000',
      },
      cpus: options.cpus,
      timeoutMs: 180_000,
    });
    apis.push(running);
    const api = new BenchApi(running, ADMIN_PASSWORD);
    await api.login();
    return api;
  };
  try {
    const first = await start();
    await db.connect();
    for (const version of ['1.0.0', '2.0.0']) await first.publish(MODULE, version);
    const common = {
      moduleName: MODULE,
      targetEnvironment: 'QA',
      promotion: 'target-only',
      strategy: 'Rolling',
    };
    const initial = await first.deploy({
      ...common,
      version: '1.0.0',
      strategyParams: { batchSize: options.nodes, healthCheckDelaySeconds: 0, verifyWindowSeconds: 0 },
    });
    const initialStatus = await waitForFinish(db, initial, 10 * 60_000);
    if (initialStatus !== 'Succeeded') throw new Error(`the initial rollout ended ${initialStatus}`);
    const second = await start();
    const faults = await first.send('PUT', '/api/v1/simulation/faults', {
      faults: [{ moduleName: MODULE, version: '2.0.0', installDelayMs: options.installMs }],
    });
    if (faults.status !== 200) throw new Error(`faults answered ${faults.status}`);
    const id = await (run % 2 === 0 ? first : second).deploy({
      ...common,
      version: '2.0.0',
      strategyParams: { batchSize: options.batch, healthCheckDelaySeconds: 0, verifyWindowSeconds: 0 },
    });
    const resource = `deployment:${id}`;

    // Wait for the third batch to be under way, and find who runs it.
    let executor: RunningApi | undefined;
    const deadline = performance.now() + 10 * 60_000;
    while (executor === undefined) {
      if (performance.now() > deadline) throw new Error('the third batch never started');
      const ops = await db.query<{ pending: number; total: number }>(
        `SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending, count(*)::int AS total
         FROM deployment_node_operations WHERE deployment_id = $1 AND step = 'batch-3'`,
        [id],
      );
      const row = ops.rows[0];
      if (row !== undefined && row.total > 0 && row.pending === row.total) {
        const holder = await lockHolderPid(db, resource);
        executor = apis.find((a) => a.pid === holder);
      }
      if (executor === undefined) await delay(20);
    }
    const survivor = apis.find((a) => a !== executor);
    if (survivor === undefined) throw new Error('no second process');
    log(`recovery run ${run + 1}: SIGKILL of pid ${executor.pid} during batch 3`);
    const killedAt = performance.now();
    process.kill(executor.pid, 'SIGKILL');
    let resumeMs = Number.NaN;
    while (performance.now() - killedAt < 120_000) {
      if ((await lockHolderPid(db, resource)) === survivor.pid) {
        resumeMs = performance.now() - killedAt;
        break;
      }
      await delay(10);
    }
    const killedAtWall = Date.now() - (performance.now() - killedAt);
    const status = await waitForFinish(db, id, 10 * 60_000);
    const finished = await db.query<{ last: Date | null }>(
      `SELECT max(finished_at) AS last FROM deployment_node_operations WHERE deployment_id = $1 AND step = 'batch-3'`,
      [id],
    );
    const batchFinishedMs = (finished.rows[0]?.last?.getTime() ?? Number.NaN) - killedAtWall;
    const planned = await db.query<{ planned_nodes: { id: string }[] }>(
      "SELECT planned_nodes FROM deployment_stages WHERE deployment_id = $1 AND kind = 'environment'",
      [id],
    );
    const plannedIds = planned.rows[0]?.planned_nodes.map((n) => n.id) ?? [];
    const slots = await db.query<{
      node_id: string;
      active_version: string;
      previous_version: string | null;
    }>(
      'SELECT node_id, active_version, previous_version FROM node_modules WHERE module_name = $1 AND node_id = ANY($2::uuid[])',
      [MODULE, plannedIds],
    );
    const perNode = await db.query<{ node_id: string; n: number }>(
      `SELECT node_id, count(*)::int AS n FROM deployment_node_operations
       WHERE deployment_id = $1 AND kind = 'install' GROUP BY node_id`,
      [id],
    );
    const ops = perNode.rows.reduce((sum, r) => sum + r.n, 0);
    const onNew = new Set(slots.rows.filter((s) => s.active_version === '2.0.0').map((s) => s.node_id));
    const lost = plannedIds.filter((nodeId) => !onNew.has(nodeId)).length;
    // Applied twice: a node's second application makes 2.0.0 its own previous version.
    const twice = new Set(slots.rows.filter((s) => s.previous_version === '2.0.0').map((s) => s.node_id));
    for (const r of perNode.rows) if (r.n > 1) twice.add(r.node_id);
    return { resumeMs, batchFinishedMs, status, lost, duplicated: twice.size, operations: ops };
  } finally {
    await Promise.all(apis.map((a) => a.stop(5_000).catch(() => undefined)));
    await db.end().catch(() => undefined);
    await dropScratch(admin, scratch);
  }
}

export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string', default: '1000' },
      batch: { type: 'string', default: '100' },
      'install-ms': { type: 'string', default: '2000' },
      runs: { type: 'string', default: '3' },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const nodes = wholeNumber(values.nodes, '--nodes', 10);
  const batch = wholeNumber(values.batch, '--batch');
  const installMs = wholeNumber(values['install-ms'], '--install-ms', 100);
  const runs = wholeNumber(values.runs, '--runs');
  if (batch * 3 >= nodes) throw new Error('--batch must leave more than three batches of --nodes');
  const pinning = pinCpus(!values['no-pin']);
  const adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const results: RunFigures[] = [];
    for (let i = 0; i < runs; i++) {
      results.push(await oneRun(adminUrl, admin, i, { nodes, batch, installMs, cpus: pinning.children }));
    }
    const resumes = results.map((r) => r.resumeMs);
    const worstResume = Math.max(...resumes.map((ms) => (Number.isNaN(ms) ? Infinity : ms)));
    const lost = results.reduce((sum, r) => sum + r.lost, 0);
    const duplicated = results.reduce((sum, r) => sum + r.duplicated, 0);
    const succeeded = results.filter((r) => r.status === 'Succeeded').length;
    const figures: Figure[] = [
      { label: `resume after SIGKILL, median of ${runs}`, value: median(resumes) / 1000, unit: 's' },
      { label: 'resume after SIGKILL, worst run', value: worstResume / 1000, unit: 's' },
      {
        label: `SIGKILL → interrupted batch finished (installs take ${installMs} ms), median`,
        value: median(results.map((r) => r.batchFinishedMs)) / 1000,
        unit: 's',
      },
      { label: 'rollouts succeeded', value: succeeded, unit: `of ${runs}` },
      {
        label: 'install operations logged per rollout, median',
        value: median(results.map((r) => r.operations)),
        unit: '',
      },
      { label: 'nodes left without the new version (all runs)', value: lost, unit: '' },
      { label: 'nodes that applied it more than once (all runs)', value: duplicated, unit: '' },
    ];
    return {
      name: 'recovery',
      figures,
      budgets: [
        atMost('P7 another replica resumes (worst run)', worstResume / 1000, 10, 's'),
        atLeast('P7 rollouts completed', succeeded, runs, ''),
        atMost('P7 lost node operations', lost, 0, ''),
        atMost('P7 duplicated node operations', duplicated, 0, ''),
      ],
      notes: [
        pinning.description,
        `${nodes} simulated nodes, Rolling in batches of ${batch}, SIGKILL during batch 3; default queue settings`,
        `runs: resume ${resumes.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s`,
      ],
    };
  } finally {
    await admin.end();
  }
}
