/**
 * Issue 7 acceptance 12 (and performance P7, at small scale): two API processes on the real
 * PostgreSQL server run the simulated fleet; the process executing a rollout is found through the
 * deployment's lock, SIGKILLed while it installs the second wave, and the other process finishes the
 * rollout. The node-operation log then shows every planned node updated exactly once. The queue runs
 * with its default supervise interval: the survivor takes the run over because the killed process's
 * deployment lock was freed (AbandonedRunWatcher), not because the attempt's heartbeat lapsed.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { lockKey } from '@hotswap/coordination';
import { createTestDatabase, postgresServer, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../apps/api/src/schema';
import { bearer, type Session } from './support/auth';
import { API_ENTRY, ApiProcess } from './support/processes';
import { TEST_ADMIN_PASSWORD } from './support/test-app';

const server = postgresServer();
if (!server.available) console.warn(`skipping the crash-resume test: ${server.reason}`);
const describeOnServer = server.available ? describe : describe.skip;

const MODULE = 'payment-processor';
const NODES = 9;
/** Each install of the new version takes this long, so the killed process is caught inside a wave. */
const INSTALL_DELAY_MS = 3_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface OperationRow {
  node_id: string;
  node_name: string;
  kind: string;
  step: string;
  status: string;
  finished_at: Date | null;
}

describeOnServer('crash resume: two API processes, SIGKILL during the second wave', () => {
  let database: TestDatabase;
  let db: Client;
  const processes: ApiProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(SCHEMA);
    db = new Client({ connectionString: database.url });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.dispose()));
    await db.end();
    await database.drop();
  });

  function start(): ApiProcess {
    const proc = ApiProcess.start(API_ENTRY, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      JWT_SECRET: secret,
      HOTSWAP_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      FLEET_SIMULATION: 'true',
      FLEET_SIMULATION_NODES: `0,${NODES},0,0`,
      HEARTBEAT_INTERVAL_MS: '500',
      QUEUE_POLLING_INTERVAL_MS: '500',
      SHUTDOWN_DRAIN_MS: '0',
    });
    processes.push(proc);
    return proc;
  }
  const secret = randomBytes(48).toString('base64url');

  async function statusOf(id: string): Promise<string> {
    const rows = await db.query<{ status: string }>('SELECT status FROM deployments WHERE id = $1', [id]);
    return rows.rows[0]?.status ?? 'missing';
  }

  async function operations(id: string): Promise<OperationRow[]> {
    const rows = await db.query<OperationRow>(
      `SELECT node_id, node_name, kind, step, status, finished_at FROM deployment_node_operations
       WHERE deployment_id = $1 ORDER BY step, node_name`,
      [id],
    );
    return rows.rows;
  }

  /** The API process whose database session holds the deployment's lock (the one executing it). */
  async function executorOf(id: string, candidates: ApiProcess[]): Promise<ApiProcess | undefined> {
    const holder = await db.query<{ application_name: string }>(
      `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint`,
      [lockKey(`deployment:${id}`).toString()],
    );
    // The lock connections are named after their process: `hotswap-locks pid=<pid>`.
    const pid = /pid=(\d+)$/.exec(holder.rows[0]?.application_name ?? '')?.[1];
    return candidates.find((candidate) => String(candidate.child.pid) === pid);
  }

  async function deploy(session: Session, api: ApiProcess, body: Record<string, unknown>): Promise<string> {
    const res = await request(api.url)
      .post('/api/v1/deployments')
      .set(...bearer(session))
      .send({ moduleName: MODULE, targetEnvironment: 'QA', promotion: 'target-only', ...body });
    expect(res.status).toBe(202);
    return res.body.id as string;
  }

  async function waitForStatus(id: string, statuses: string[], timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await statusOf(id);
      if (statuses.includes(status)) return status;
      if (Date.now() > deadline) throw new Error(`deployment ${id} still ${status}`);
      await delay(200);
    }
  }

  it('the surviving process finishes the rollout; every planned node is installed exactly once', async () => {
    const first = start();
    await first.waitUntilReady(60_000);
    // The second replica starts on the seeded fleet (the first one seeded it).
    const second = start();
    await second.waitUntilReady(60_000);
    const login = await request(first.url)
      .post('/api/v1/authentication/login')
      .send({ username: 'admin', password: TEST_ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    const admin: Session = {
      accessToken: login.body.accessToken as string,
      refreshToken: login.body.refreshToken as string,
      userId: login.body.user.id as string,
    };
    for (const version of ['1.0.0', '2.0.0']) {
      const published = await request(first.url)
        .post(`/api/v1/modules/${MODULE}/versions`)
        .set(...bearer(admin))
        .field('manifest', JSON.stringify({ version }))
        .attach('artifact', Buffer.from(`module.exports = {}; // ${version}`), {
          filename: 'index.js',
          contentType: 'application/javascript',
        });
      expect(published.status).toBe(201);
    }
    // Every QA node runs 1.0.0 first, so the rollout has a version to move from.
    const initial = await deploy(admin, first, {
      version: '1.0.0',
      strategyParams: { batchSize: NODES, healthCheckDelaySeconds: 0, verifyWindowSeconds: 0 },
    });
    expect(await waitForStatus(initial, ['Succeeded', 'Failed', 'RolledBack'], 60_000)).toBe('Succeeded');

    const faults = await request(first.url)
      .put('/api/v1/simulation/faults')
      .set(...bearer(admin))
      .send({ faults: [{ moduleName: MODULE, version: '2.0.0', installDelayMs: INSTALL_DELAY_MS }] });
    expect(faults.status).toBe(200);
    const id = await deploy(admin, second, {
      version: '2.0.0',
      strategyParams: { batchSize: 3, healthCheckDelaySeconds: 1, verifyWindowSeconds: 0 },
    });

    // Wait until the second batch's operations are logged as pending: its installs are under way.
    let executor: ApiProcess | undefined;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ops = await operations(id);
      const secondWave = ops.filter((o) => o.step === 'batch-2');
      if (secondWave.length > 0 && secondWave.every((o) => o.status === 'pending')) {
        executor = await executorOf(id, [first, second]);
        if (executor !== undefined) break;
      }
      if (Date.now() > deadline) throw new Error(`no second wave in progress: ${JSON.stringify(ops)}`);
      await delay(100);
    }
    const survivor = executor === first ? second : first;
    const before = await operations(id);
    expect(before.filter((o) => o.step === 'batch-1').map((o) => o.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    expect(before.filter((o) => o.step === 'batch-3')).toEqual([]);
    const killedAt = Date.now();
    executor.child.kill('SIGKILL');
    expect((await executor.exit(15_000)).signal).toBe('SIGKILL');

    expect(await waitForStatus(id, ['Succeeded', 'Failed', 'RolledBack', 'Cancelled'], 90_000)).toBe(
      'Succeeded',
    );
    expect(survivor.child.exitCode).toBeNull();
    // The survivor saw the run's lock freed and had the attempt retried at once (the default supervise
    // interval is 10 s and the attempt's heartbeat lapses only after 10 s more).
    expect(survivor.records('deployment run abandoned by its replica: retrying it')).toEqual([
      expect.objectContaining({ deploymentId: id }),
    ]);
    const after = await operations(id);
    // Three batches of three, each node installed in exactly one of them, once, successfully.
    expect(after.every((o) => o.kind === 'install' && o.status === 'succeeded')).toBe(true);
    expect(after.map((o) => o.step)).toEqual([
      'batch-1',
      'batch-1',
      'batch-1',
      'batch-2',
      'batch-2',
      'batch-2',
      'batch-3',
      'batch-3',
      'batch-3',
    ]);
    const installedNodes = after.map((o) => o.node_id);
    expect(new Set(installedNodes).size).toBe(NODES);
    const planned = await db.query<{ planned_nodes: { id: string }[] }>(
      "SELECT planned_nodes FROM deployment_stages WHERE deployment_id = $1 AND kind = 'environment'",
      [id],
    );
    expect([...installedNodes].sort()).toEqual(planned.rows[0]?.planned_nodes.map((n) => n.id).sort());
    // The second wave was completed by the survivor, after the kill.
    for (const op of after.filter((o) => o.step !== 'batch-1'))
      expect(op.finished_at?.getTime()).toBeGreaterThan(killedAt);
    // The nodes applied it once: a second application would have made 2.0.0 its own previous version.
    const slots = await db.query<{ active_version: string; previous_version: string | null }>(
      `SELECT m.active_version, m.previous_version FROM node_modules m JOIN nodes n ON n.id = m.node_id
       WHERE m.module_name = $1 AND n.name LIKE 'sim-qa-%'`,
      [MODULE],
    );
    expect(slots.rows).toHaveLength(NODES);
    expect(slots.rows.every((r) => r.active_version === '2.0.0' && r.previous_version === '1.0.0')).toBe(
      true,
    );
    const resumedAfterMs =
      Math.min(...after.filter((o) => o.step === 'batch-2').map((o) => o.finished_at?.getTime() ?? 0)) -
      killedAt;
    console.info(`crash resume: second wave finished ${resumedAfterMs} ms after the SIGKILL`);
  });
});
