/**
 * P3 and P2 (docs: performance.md) — the deployment engine at fleet scale, and creating deployments.
 *
 *   npm run bench -- rollout [--nodes 10000] [--rate 200] [--seconds 10] [--only p2|p3] [--no-pin]
 *
 * Runs the compiled API on scratch databases of the PostgreSQL server at BENCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/postgres).
 *
 * P3: `--nodes` simulated nodes in one environment (Development). Through the API: a Direct rollout
 * of 1.0.0 (every node from nothing), then a Canary rollout of 2.0.0 with the default steps
 * (10/30/50/100 %) and every wait set to 0 (`stepWaitSeconds`, `verifyWindowSeconds`; `minSamples` 0
 * so an analysis without samples passes). Measured per rollout, from the POST to `Succeeded`:
 * - wall time, and node updates per second persisted (nodes / wall time) — budget ≥ 2,000/s;
 * - the baseline, in the same run: the same number of slot rows written straight into a copy of the
 *   node_modules table by the bench, in the simulated driver's batch size (the bare cost of persisting
 *   the new versions, with no orchestration at all);
 * - orchestration overhead = wall time − baseline — budget ≤ 10 s; and, as a figure, wall time minus
 *   the node-operation windows of the op log (first operation row written → last one finished, per
 *   step), i.e. what the pipeline spends outside the node operations themselves.
 *
 * P2: a second API with no nodes and 40 extra environments (so requests do not collide on the one
 * active deployment per environment and module). `POST /api/v1/deployments` at `--rate` requests/s
 * for `--seconds`, open loop (each request sent on schedule whatever the previous ones do): p50/p99
 * — budget p99 ≤ 25 ms. Then the create throughput of 16 concurrent clients for 5 s, against pgbench
 * (16 clients) running the equivalent SQL on the same tables — budget ≥ 0.3×. The deployments target
 * empty environments, so the runner fails them in the background as it would in production; the
 * saturation phase starts once the runner has finished the open loop's deployments, so it measures
 * creating plus running what it creates.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  percentile,
  pinCpus,
  type RunningApi,
  startApi,
  wholeNumber,
  pgbenchTps,
  log,
  delay,
} from './_shared';

const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN_PASSWORD = `Rb${process.pid}-vH7#nL2x-kP9w`;
const MODULE = 'payment-processor';
/** The simulated driver's slot-write batch (SimulatedFleet.slotWriter). */
const SLOT_BATCH = 2_000;
const EXTRA_ENVIRONMENTS = 40;
/**
 * BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`): Node options for the API processes, given
 * on their command line (Node 20 refuses `--cpu-prof` in NODE_OPTIONS).
 */
const nodeArgs: readonly string[] = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter((a) => a !== '');
const SATURATION_CLIENTS = 16;
const SATURATION_SECONDS = 5;

interface RolloutFigures {
  readonly wallMs: number;
  readonly operationWindowsMs: number;
  readonly operations: number;
}

/** Creates a deployment and waits for it to succeed; times it from the POST. */
async function rollout(api: BenchApi, db: Client, body: Record<string, unknown>): Promise<RolloutFigures> {
  const started = performance.now();
  const res = await api.send('POST', '/api/v1/deployments', body);
  if (res.status !== 202) throw new Error(`create answered ${res.status}: ${JSON.stringify(res.body)}`);
  const id = (res.body as { id: string }).id;
  const deadline = started + 15 * 60_000;
  for (;;) {
    const row = await db.query<{ status: string; status_reason: string | null }>(
      'SELECT status, status_reason FROM deployments WHERE id = $1',
      [id],
    );
    const status = row.rows[0]?.status;
    if (status === 'Succeeded') break;
    if (status !== undefined && ['Failed', 'RolledBack', 'Cancelled', 'Paused'].includes(status))
      throw new Error(`rollout ended ${status}: ${row.rows[0]?.status_reason ?? ''}`);
    if (performance.now() > deadline) throw new Error(`rollout still ${status ?? '?'} after 15 min`);
    await delay(25);
  }
  const wallMs = performance.now() - started;
  const windows = await db.query<{ ms: number; n: number }>(
    `SELECT coalesce(sum(ms), 0)::float8 AS ms, coalesce(sum(n), 0)::int AS n FROM (
       SELECT extract(epoch FROM max(finished_at) - min(created_at)) * 1000 AS ms, count(*) AS n
       FROM deployment_node_operations WHERE deployment_id = $1 GROUP BY stage_id, step, kind) w`,
    [id],
  );
  return {
    wallMs,
    operationWindowsMs: windows.rows[0]?.ms ?? 0,
    operations: windows.rows[0]?.n ?? 0,
  };
}

/** The bare cost of persisting `nodes` new versions: the same upsert, batches and table shape. */
async function directSlotWrites(db: Client, version: string): Promise<number> {
  await db.query('DROP TABLE IF EXISTS bench_slots');
  await db.query('CREATE TABLE bench_slots (LIKE node_modules INCLUDING ALL)');
  await db.query('INSERT INTO bench_slots SELECT * FROM node_modules');
  const ids = (
    await db.query<{ id: string }>("SELECT id FROM nodes WHERE kind = 'simulated' ORDER BY name")
  ).rows.map((r) => r.id);
  const started = performance.now();
  for (let i = 0; i < ids.length; i += SLOT_BATCH) {
    const batch = ids.slice(i, i + SLOT_BATCH);
    await db.query('BEGIN');
    await db.query(
      `INSERT INTO bench_slots (node_id, module_name, active_version, standby_version, previous_version,
                                state, last_error, previous_loaded, previous_retained_until, updated_at,
                                desired_generation)
       SELECT v.*, now(), 0
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::boolean[], $9::timestamptz[]) AS v
       ON CONFLICT (node_id, module_name) DO UPDATE SET
         active_version = excluded.active_version, standby_version = excluded.standby_version,
         previous_version = excluded.previous_version, state = excluded.state,
         previous_loaded = excluded.previous_loaded, last_error = excluded.last_error,
         previous_retained_until = excluded.previous_retained_until, updated_at = excluded.updated_at`,
      [
        batch,
        batch.map(() => MODULE),
        batch.map(() => version),
        batch.map(() => null),
        batch.map(() => '1.0.0'),
        batch.map(() => 'Active'),
        batch.map(() => null),
        batch.map(() => true),
        batch.map(() => new Date(Date.now() + 300_000).toISOString()),
      ],
    );
    await db.query('COMMIT');
  }
  const elapsed = performance.now() - started;
  await db.query('DROP TABLE bench_slots');
  return elapsed;
}

async function fleetScale(
  adminUrl: string,
  admin: Client,
  nodes: number,
  cpus: string | undefined,
): Promise<{ figures: Figure[]; direct: RolloutFigures; canary: RolloutFigures; baselineMs: number }> {
  const scratch = await createScratch(admin, adminUrl, 'rollout', 'fleet');
  const db = new Client({ connectionString: scratch.url });
  let api: RunningApi | undefined;
  try {
    api = await startApi({
      env: {
        DATABASE_URL: scratch.url,
        LOG_LEVEL: 'info',
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: `${nodes},0,0,0`,
        HOTSWAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        RATE_LIMIT_MUTATING: '1000000',
        RATE_LIMIT_READS: '1000000',
      },
      nodeArgs,
      cpus,
      timeoutMs: 180_000,
    });
    await db.connect();
    const client = new BenchApi(api, ADMIN_PASSWORD);
    await client.login();
    for (const version of ['1.0.0', '2.0.0']) await client.publish(MODULE, version);
    const common = { moduleName: MODULE, targetEnvironment: 'Development', promotion: 'target-only' };
    log(`rollout: Direct of 1.0.0 to ${nodes} nodes`);
    const direct = await rollout(client, db, {
      ...common,
      version: '1.0.0',
      strategy: 'Direct',
      strategyParams: { verifyWindowSeconds: 0 },
    });
    log(`rollout: Canary of 2.0.0 to ${nodes} nodes (waits 0)`);
    const canary = await rollout(client, db, {
      ...common,
      version: '2.0.0',
      strategy: 'Canary',
      strategyParams: { stepWaitSeconds: 0, minSamples: 0, verifyWindowSeconds: 0 },
    });
    const baselines: number[] = [];
    for (let i = 0; i < 3; i++) baselines.push(await directSlotWrites(db, '3.0.0'));
    const baselineMs = Math.min(...baselines);
    const figures: Figure[] = [];
    for (const [name, r] of [
      ['Direct', direct],
      ['Canary', canary],
    ] as const) {
      figures.push(
        { label: `${name}: wall time, POST → Succeeded`, value: r.wallMs / 1000, unit: 's' },
        { label: `${name}: node operations logged`, value: r.operations, unit: '' },
        { label: `${name}: node updates persisted per second`, value: (nodes / r.wallMs) * 1000, unit: '/s' },
        {
          label: `${name}: overhead = wall − baseline slot writes`,
          value: (r.wallMs - baselineMs) / 1000,
          unit: 's',
        },
        {
          label: `${name}: wall − node-operation windows (pipeline outside the operations)`,
          value: (r.wallMs - r.operationWindowsMs) / 1000,
          unit: 's',
        },
        { label: `${name}: wall / baseline`, value: r.wallMs / baselineMs, unit: '×' },
      );
    }
    figures.push({
      label: `baseline: ${nodes} slot rows upserted directly (best of 3)`,
      value: baselineMs / 1000,
      unit: 's',
    });
    return { figures, direct, canary, baselineMs };
  } finally {
    await api?.stop();
    await db.end().catch(() => undefined);
    await dropScratch(admin, scratch);
  }
}

function pgbenchCreateTps(url: string, dir: string): number {
  const script = path.join(dir, 'create-deployment.sql');
  // What one create sends, statement for statement (a pg hook in the API listed them): the planner's
  // reads (the environments, the target environment with its nodes, the module version), then one
  // transaction — the module's creation lock (DR-40), the active-deployment check, the deployment, its 4 stages (Validate, Verify, the
  // environment, Complete), the event, the job and the audit record. The audit record is inserted
  // unsealed, with its content hash, as the API does (the sealer links it after the commit, DR-31).
  // Each transaction uses a module of its own (as the bench's creates do), so the active-deployment
  // check reads what the API's does: no other active deployment of that module.
  const module = "'pgbench-module-' || :m";
  const id = "md5(':a-:b-:m-:client_id')::uuid";
  const trace = "md5(':b-:a-:m-:client_id')";
  const stage = (
    position: number,
    name: string,
    kind: string,
    env: string,
    strategy: string,
    params: string,
  ) =>
    `(gen_random_uuid(), ${id}, ${position}, '${name}', '${kind}', ${env}, ${strategy}, '${params}', 'Pending', 'start', NULL, '[]', '{}', '[]', NULL, 0, 0, 0, 0, 0, NULL, NULL)`;
  writeFileSync(
    script,
    [
      '\\set m random(1, 1000000000)',
      '\\set a random(1, 1000000000)',
      '\\set b random(1, 1000000000)',
      'SELECT * FROM environments ORDER BY rank;',
      "SELECT * FROM module_versions WHERE module_name = 'bench-module-0000' AND version = '1.0.0' LIMIT 1;",
      "SELECT e.*, n.* FROM environments e LEFT JOIN nodes n ON n.environment_id = e.id WHERE e.name_key = 'development';",
      'BEGIN;',
      `SELECT pg_advisory_xact_lock(hashtext('deployments:module:' || ${module})::bigint);`,
      `SELECT d.* FROM deployments d WHERE d.module_name = ${module} AND d.status IN ('Queued', 'PendingApproval', 'Running', 'Paused') AND EXISTS (SELECT 1 FROM deployment_stages s WHERE s.deployment_id = d.id AND s.kind = 'environment' AND s.environment IN ('Development')) ORDER BY d.created_at;`,
      `INSERT INTO deployments (id, kind, module_name, version, target_environment, strategy, strategy_params, promotion, description, metadata, requested_by, status, status_reason, current_stage, rollback_of, retry_of, trace_id, pause_requested, promote_requested, abort_requested, started_at, finished_at) VALUES (${id}, 'deploy', ${module}, '1.0.0', 'Development', NULL, '{}', 'target-only', NULL, '{}', 'admin', 'Queued', NULL, 0, NULL, NULL, ${trace}, false, false, false, NULL, NULL) RETURNING strategy_params, metadata, current_stage, pause_requested, promote_requested, abort_requested, created_at, updated_at;`,
      `INSERT INTO deployment_stages (id, deployment_id, position, name, kind, environment, strategy, params, status, phase, message, planned_nodes, strategy_state, updated_node_ids, wait_until, nodes_total, nodes_updated, nodes_failed, wave, waves, started_at, finished_at) VALUES ${[
        stage(0, 'Validate', 'validate', 'NULL', 'NULL', '{}'),
        stage(1, 'Verify', 'verify', 'NULL', 'NULL', '{}'),
        stage(
          2,
          'Deploy to Development',
          'environment',
          "'Development'",
          "'Direct'",
          '{"parallelism":100,"verifyWindowSeconds":30}',
        ),
        stage(3, 'Complete', 'complete', 'NULL', 'NULL', '{}'),
      ].join(
        ', ',
      )} RETURNING params, phase, planned_nodes, strategy_state, updated_node_ids, nodes_total, nodes_updated, nodes_failed, wave, waves;`,
      `INSERT INTO events (type, deployment_id, environment, node_id, module_name, payload, trace_id) VALUES ('deployment.created', ${id}, 'Development', NULL, ${module}, jsonb_build_object('kind', 'deploy', 'module', ${module}, 'version', '1.0.0', 'target', 'Development', 'strategy', NULL, 'requestedBy', 'admin'), ${trace}) RETURNING seq, at;`,
      `INSERT INTO pgboss.job (name, data) VALUES ('deployments.advance', jsonb_build_object('deploymentId', ${id}));`,
      `INSERT INTO audit_records (occurred_at, category, action, result, actor_id, actor_kind, actor_name, resource_type, resource_id, ip, user_agent, trace_id, details, content_hash) VALUES (now(), 'deployments', 'deployment.create', 'success', gen_random_uuid(), 'user', 'admin', 'deployment', ${id}::text, '127.0.0.1', 'node', ${trace}, jsonb_build_object('module', ${module}, 'version', '1.0.0', 'target', 'Development', 'retryOf', NULL), encode(sha256(${id}::text::bytea), 'hex'));`,
      'COMMIT;',
      '',
    ].join('\n'),
  );
  return pgbenchTps(url, script, SATURATION_CLIENTS, SATURATION_SECONDS);
}

/** How long the bench waits for the runner to finish the open loop's deployments. */
const DRAIN_TIMEOUT_MS = 180_000;

/** Waits until no deployment is active; how many finished meanwhile and how long it took. */
async function waitForIdleRunner(
  url: string,
  timeoutMs: number,
): Promise<{ drained: number; seconds: number }> {
  const db = new Client({ connectionString: url });
  await db.connect();
  const started = performance.now();
  try {
    const active = async (): Promise<number> => {
      const { rows } = await db.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM deployments WHERE status IN ('Queued', 'PendingApproval', 'Running', 'Paused')",
      );
      return Number(rows[0]?.n ?? 0);
    };
    const first = await active();
    for (let left = first; left > 0; left = await active()) {
      if (performance.now() - started > timeoutMs)
        throw new Error(`the runner still had ${left} active deployments after ${timeoutMs / 1000} s`);
      await delay(250);
    }
    return { drained: first, seconds: (performance.now() - started) / 1000 };
  } finally {
    await db.end();
  }
}

async function createLatency(
  adminUrl: string,
  admin: Client,
  rate: number,
  seconds: number,
  cpus: string | undefined,
): Promise<{ figures: Figure[]; p99: number; ratio: number; errors: number }> {
  const scratch = await createScratch(admin, adminUrl, 'rollout', 'create');
  let api: RunningApi | undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'hotswap-bench-rollout-'));
  try {
    api = await startApi({
      env: {
        DATABASE_URL: scratch.url,
        LOG_LEVEL: 'info',
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: '0,0,0,0',
        HOTSWAP_ADMIN_PASSWORD: ADMIN_PASSWORD,
        RATE_LIMIT_MUTATING: '1000000',
        RATE_LIMIT_READS: '1000000',
      },
      nodeArgs,
      cpus,
      timeoutMs: 120_000,
    });
    const client = new BenchApi(api, ADMIN_PASSWORD);
    await client.login();
    const environments = ['Development', 'QA'];
    for (let i = 0; i < EXTRA_ENVIRONMENTS; i++) {
      const name = `Bench-${i}`;
      const res = await client.send('POST', '/api/v1/environments', {
        name,
        rank: 100 + i,
        defaultStrategy: 'Direct',
      });
      if (res.status !== 201)
        throw new Error(`environment ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      environments.push(name);
    }
    const needed = rate * (seconds + 1) + 3_000;
    const moduleCount = Math.min(400, Math.ceil(needed / environments.length));
    const modules = Array.from(
      { length: moduleCount },
      (_, i) => `bench-module-${String(i).padStart(4, '0')}`,
    );
    log(`create: publishing ${modules.length} modules for ${environments.length} environments`);
    for (let i = 0; i < modules.length; i += 8)
      await Promise.all(modules.slice(i, i + 8).map((m) => client.publish(m, '1.0.0')));
    let next = 0;
    const pairs = modules.length * environments.length;
    const body = (): Record<string, unknown> => {
      const index = next++;
      if (index >= pairs) throw new Error('ran out of (module, environment) pairs');
      return {
        moduleName: modules[index % modules.length],
        version: '1.0.0',
        targetEnvironment: environments[Math.floor(index / modules.length)],
        promotion: 'target-only',
      };
    };
    let failure: string | undefined;
    const create = async (): Promise<{ ms: number; status: number }> => {
      const started = performance.now();
      try {
        const res = await client.send('POST', '/api/v1/deployments', body());
        return { ms: performance.now() - started, status: res.status };
      } catch (error) {
        // A request the API did not answer (e.g. the connection timed out behind a backlog) is a
        // failed create, counted with the other answers than 202, not the end of the run.
        if (failure === undefined) {
          const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : '';
          failure = `${error instanceof Error ? error.message : String(error)} ${cause}`.trim();
          log(`create: a request failed (${failure}); counted as an answer other than 202`);
        }
        return { ms: performance.now() - started, status: 0 };
      }
    };

    // Warm-up: 1 s at the rate, not measured.
    const openLoop = async (durationMs: number): Promise<{ ms: number; status: number }[]> => {
      const interval = 1000 / rate;
      const total = Math.floor(durationMs / interval);
      const start = performance.now();
      const pending: Promise<{ ms: number; status: number }>[] = [];
      for (let i = 0; i < total; i++) {
        const due = start + i * interval;
        const wait = due - performance.now();
        if (wait > 0) await delay(wait);
        pending.push(create());
      }
      return Promise.all(pending);
    };
    await openLoop(1_000);
    log(`create: ${rate} req/s for ${seconds} s`);
    const measured = await openLoop(seconds * 1000);
    const ok = measured.filter((m) => m.status === 202).map((m) => m.ms);
    const errors = measured.length - ok.length;
    const p50 = percentile(ok, 50);
    const p99 = percentile(ok, 99);

    // The open loop left deployments for the runner (every one fails in its empty environment); the
    // saturation phase starts once they are finished, so it measures creating plus running what it
    // creates, not the previous phase's backlog.
    const backlog = await waitForIdleRunner(scratch.url, DRAIN_TIMEOUT_MS);
    log(
      `create: runner idle (${backlog.drained} open-loop deployments finished in ${backlog.seconds.toFixed(1)} s)`,
    );
    log(`create: saturation, ${SATURATION_CLIENTS} clients for ${SATURATION_SECONDS} s`);
    let done = 0;
    const until = performance.now() + SATURATION_SECONDS * 1000;
    const satStart = performance.now();
    await Promise.all(
      Array.from({ length: SATURATION_CLIENTS }, async () => {
        while (performance.now() < until) {
          const r = await create();
          if (r.status === 202) done += 1;
        }
      }),
    );
    const apiTps = done / ((performance.now() - satStart) / 1000);
    await api.stop();
    api = undefined;
    const tps = pgbenchCreateTps(scratch.url, dir);
    const ratio = apiTps / tps;
    return {
      figures: [
        { label: `create p50 at ${rate} req/s (open loop)`, value: p50, unit: 'ms' },
        { label: `create p99 at ${rate} req/s (open loop)`, value: p99, unit: 'ms' },
        { label: 'create answers other than 202', value: errors, unit: '' },
        { label: `creates per second, ${SATURATION_CLIENTS} clients`, value: apiTps, unit: '/s' },
        { label: `pgbench, equivalent SQL, ${SATURATION_CLIENTS} clients`, value: tps, unit: 'tps' },
        { label: 'creates / pgbench', value: ratio, unit: '×' },
      ],
      p99,
      ratio,
      errors,
    };
  } finally {
    await api?.stop();
    rmSync(dir, { recursive: true, force: true });
    await dropScratch(admin, scratch);
  }
}

export async function run(args: string[]): Promise<BenchResult> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string', default: '10000' },
      rate: { type: 'string', default: '200' },
      seconds: { type: 'string', default: '10' },
      only: { type: 'string' },
      'no-pin': { type: 'boolean', default: false },
    },
  });
  const nodes = wholeNumber(values.nodes, '--nodes');
  const rate = wholeNumber(values.rate, '--rate');
  const seconds = wholeNumber(values.seconds, '--seconds');
  const pinning = pinCpus(!values['no-pin']);
  const adminUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_ADMIN_URL;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    log(`rollout: ${nodes} simulated nodes; ${pinning.description}`);
    if (values.only !== undefined && values.only !== 'p2' && values.only !== 'p3')
      throw new Error('--only takes p2 or p3');
    const fleet =
      values.only === 'p2' ? undefined : await fleetScale(adminUrl, admin, nodes, pinning.children);
    const creates =
      values.only === 'p3'
        ? undefined
        : await createLatency(adminUrl, admin, rate, seconds, pinning.children);
    const perSecond = (r: RolloutFigures) => (nodes / r.wallMs) * 1000;
    const p3 = (f: NonNullable<typeof fleet>) => [
      atMost(
        'P3 Direct orchestration overhead (wall − baseline)',
        (f.direct.wallMs - f.baselineMs) / 1000,
        10,
        's',
      ),
      atMost(
        'P3 Canary orchestration overhead (wall − baseline)',
        (f.canary.wallMs - f.baselineMs) / 1000,
        10,
        's',
      ),
      atLeast('P3 Direct node updates persisted per second', perSecond(f.direct), 2_000, '/s'),
      atLeast('P3 Canary node updates persisted per second', perSecond(f.canary), 2_000, '/s'),
    ];
    const p2 = (c: NonNullable<typeof creates>) => [
      atMost(`P2 create p99 at ${rate} req/s`, c.p99, 25, 'ms'),
      atLeast('P2 creates vs pgbench (equivalent SQL)', c.ratio, 0.3, '×'),
      atMost('P2 create answers other than 202', c.errors, 0, ''),
    ];
    return {
      name: 'rollout',
      figures: [...(fleet?.figures ?? []), ...(creates?.figures ?? [])],
      budgets: [...(fleet === undefined ? [] : p3(fleet)), ...(creates === undefined ? [] : p2(creates))],
      notes: [
        pinning.description,
        `database: PostgreSQL server (${new URL(adminUrl).host}), scratch databases per part`,
        'P3 baseline: the same slot rows upserted straight into a copy of node_modules in batches of 2,000',
        'P3 node-operation windows: per op-log step, first row written → last row finished',
        'P2 pgbench: the planner reads, then one transaction: the active-deployment check, deployment + 4 stages + event + job + unsealed audit rows',
      ],
    };
  } finally {
    await admin.end();
  }
}
