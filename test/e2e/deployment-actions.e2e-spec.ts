/**
 * Deployment behaviours the API promises around a rollout (deployments spec §1, §2, §6, §8;
 * security spec §6): frozen environments, operator actions and the states that forbid them, retry,
 * manual rollback, Idempotency-Key on create, the 409 naming the active deployment, a plan with no
 * side effect, and listing (filters, newest first, pagination). The whole app on the simulated fleet
 * and a database of its own; HTTP through supertest.
 */
import { Client } from 'pg';
import request from 'supertest';
import { bearer, createUser, loginAdmin, type Session } from './support/auth';
import { deploymentReads, TERMINAL_STATUSES } from './support/deployment-reads';
import { startTestApp, type TestApp } from './support/test-app';

const PROBLEM = /^application\/problem\+json/;

interface Stage {
  name: string;
  environment: string | null;
  status: string;
  message: string | null;
  progress: { nodesTotal: number; nodesUpdated: number; nodesFailed: number; wave: number; waves: number };
}

interface Deployment {
  id: string;
  kind: string;
  moduleName: string;
  version: string;
  targetEnvironment: string;
  status: string;
  statusReason: string | null;
  requestedBy: string;
  createdAt: string;
  stages: Stage[];
  nodeResults: { nodeName: string; operation: string; status: string; toVersion: string | null }[];
  allowedActions: string[];
  rollbackOf: string | null;
  retryOf: string | null;
}

interface Summary {
  id: string;
  moduleName: string;
  targetEnvironment: string;
  status: string;
  requestedBy: string;
  createdAt: string;
}

/** What a request may have left behind: rows of the tables a deployment writes to. */
interface Footprint {
  deployments: number;
  stages: number;
  deploymentEvents: number;
  deploymentAudit: number;
  advanceJobs: number;
}

describe('deployment actions through the API (simulated fleet, real database)', () => {
  let t: TestApp;
  let db: Client;
  let admin: Session;
  let deployer: Session;
  let viewer: Session;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        FLEET_SIMULATION: 'true',
        // Development, QA, Staging, Production.
        FLEET_SIMULATION_NODES: '3,4,2,3',
        HEARTBEAT_INTERVAL_MS: '200',
        QUEUE_POLLING_INTERVAL_MS: '500',
      },
    });
    db = new Client({ connectionString: t.database.url });
    await db.connect();
    admin = await loginAdmin(t.server);
    deployer = await createUser(t.server, admin, 'dana', ['Deployer']);
    viewer = await createUser(t.server, admin, 'vera', ['Viewer']);
    for (const [name, versions] of [
      ['frozen-module', ['1.0.0']],
      ['canary-module', ['2.0.0']],
      ['retry-module', ['2.0.0']],
      ['rollback-module', ['1.0.0', '2.0.0']],
      ['idem-module', ['1.0.0', '2.0.0']],
      ['plan-module', ['1.0.0']],
      ...[1, 2, 3, 4, 5].map((i) => [`list-module-${i}`, ['1.0.0']] as const),
      ...[1, 2, 3, 4, 5, 6, 7].map((i) => [`burst-module-${i}`, ['1.0.0']] as const),
    ] as const) {
      for (const version of versions) await publish(name, version);
    }
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  async function publish(moduleName: string, version: string): Promise<void> {
    const res = await request(t.server)
      .post(`/api/v1/modules/${moduleName}/versions`)
      .set(...bearer(admin))
      .field('manifest', JSON.stringify({ version }))
      .attach('artifact', Buffer.from(`module.exports = {}; // ${moduleName} ${version}`), {
        filename: 'index.js',
        contentType: 'application/javascript',
      });
    expect(res.status).toBe(201);
  }

  function create(body: Record<string, unknown>, session: Session = deployer) {
    return request(t.server)
      .post('/api/v1/deployments')
      .set(...bearer(session))
      .send(body);
  }

  function act(id: string, action: string, session: Session = deployer) {
    return request(t.server)
      .post(`/api/v1/deployments/${id}/${action}`)
      .set(...bearer(session));
  }

  const { detail, settle } = deploymentReads<Deployment>(
    () => t.server,
    () => viewer,
  );

  /** The active version of `moduleName` on every node of `environment`, by node name. */
  async function versionsIn(environment: string, moduleName: string): Promise<Record<string, string | null>> {
    const res = await request(t.server)
      .get(`/api/v1/nodes?environment=${environment}&limit=200`)
      .set(...bearer(viewer));
    expect(res.status).toBe(200);
    const items = res.body.items as {
      name: string;
      modules: { moduleName: string; activeVersion: string | null }[];
    }[];
    return Object.fromEntries(
      items.map((n) => [n.name, n.modules.find((m) => m.moduleName === moduleName)?.activeVersion ?? null]),
    );
  }

  async function count(sql: string, params: unknown[] = []): Promise<number> {
    const res = await db.query<{ n: string }>(sql, params);
    return Number(res.rows[0]?.n ?? -1);
  }

  async function footprint(): Promise<Footprint> {
    return {
      deployments: await count('SELECT count(*) AS n FROM deployments'),
      stages: await count('SELECT count(*) AS n FROM deployment_stages'),
      deploymentEvents: await count(
        "SELECT count(*) AS n FROM events WHERE type LIKE 'deployment.%' OR deployment_id IS NOT NULL",
      ),
      deploymentAudit: await count("SELECT count(*) AS n FROM audit_records WHERE category = 'deployments'"),
      // Completed jobs are kept (and archived later), so a job scheduled and already run still counts.
      advanceJobs: await count("SELECT count(*) AS n FROM pgboss.job WHERE name = 'deployments.advance'"),
    };
  }

  /** The operators' audited actions on a deployment (the runner's own records, by `system`, aside). */
  async function auditedActions(id: string): Promise<string[]> {
    const res = await db.query<{ action: string; result: string; actor_name: string | null }>(
      "SELECT action, result, actor_name FROM audit_records WHERE resource_id = $1 AND actor_kind <> 'system' ORDER BY seq",
      [id],
    );
    return res.rows.map((r) => `${r.action}:${r.result}:${r.actor_name ?? ''}`);
  }

  async function list(query: string): Promise<{ items: Summary[]; nextCursor: string | null }> {
    const res = await request(t.server)
      .get(`/api/v1/deployments?${query}`)
      .set(...bearer(viewer));
    expect(res.status).toBe(200);
    return res.body as { items: Summary[]; nextCursor: string | null };
  }

  /** The answer is a 409 problem document with the given code. */
  function expectConflict(res: request.Response, code: string): void {
    expect([res.status, res.body.code]).toEqual([409, code]);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  }

  it('refuses deployments to a frozen environment, or through it on the promotion path, with 409 and the reason, leaving nothing behind', async () => {
    const freeze = await request(t.server)
      .post('/api/v1/environments/QA/freeze')
      .set(...bearer(admin))
      .send({ reason: 'quarter-end change freeze' });
    expect(freeze.status).toBe(200);
    expect(freeze.body).toEqual(
      expect.objectContaining({ frozen: true, frozenReason: 'quarter-end change freeze', frozenBy: 'admin' }),
    );
    const before = await footprint();
    const direct = await create({
      moduleName: 'frozen-module',
      version: '1.0.0',
      targetEnvironment: 'qa',
      promotion: 'target-only',
    });
    expectConflict(direct, 'environment_frozen');
    expect(direct.body.detail).toContain('QA is frozen: quarter-end change freeze');
    // Staging's promotion path runs through QA.
    const through = await create({
      moduleName: 'frozen-module',
      version: '1.0.0',
      targetEnvironment: 'Staging',
    });
    expectConflict(through, 'environment_frozen');
    expect(through.body.detail).toContain('QA is frozen: quarter-end change freeze');
    expect(through.headers.location).toBeUndefined();
    expect(await footprint()).toEqual(before);
    const listed = await request(t.server)
      .get('/api/v1/deployments?module=frozen-module')
      .set(...bearer(viewer));
    expect(listed.body.items).toEqual([]);
    // The freeze was the reason: lifted, the same request is accepted.
    const unfreeze = await request(t.server)
      .post('/api/v1/environments/QA/unfreeze')
      .set(...bearer(admin))
      .send({ reason: 'freeze over' });
    expect(unfreeze.status).toBe(200);
    const accepted = await create({
      moduleName: 'frozen-module',
      version: '1.0.0',
      targetEnvironment: 'qa',
      promotion: 'target-only',
      strategyParams: { verifyWindowSeconds: 0, healthCheckDelaySeconds: 0 },
    });
    expect(accepted.status).toBe(202);
    expect((await settle(accepted.body.id as string)).status).toBe('Succeeded');
  });

  it('pauses, resumes and aborts a canary in its wave wait, audits each action, and answers 409 where the state forbids one', async () => {
    const first = await create({
      moduleName: 'canary-module',
      version: '2.0.0',
      targetEnvironment: 'Development',
      promotion: 'target-only',
      strategy: 'Canary',
      strategyParams: { stepWaitSeconds: 3600, verifyWindowSeconds: 0 },
    });
    expect(first.status).toBe(202);
    const id = first.body.id as string;
    const location = first.headers.location as string;
    expect(location).toBe(`/api/v1/deployments/${id}`);
    const inWait = (d: Deployment) =>
      d.status === 'Running' &&
      d.stages.some((s) => s.environment === 'Development' && s.progress.nodesUpdated === 1);
    const waiting = await settle(id, (d) => inWait(d) || TERMINAL_STATUSES.has(d.status));
    expect(waiting.status).toBe('Running');

    // A second deployment of the module to the environment (directly, or through its promotion
    // path) → 409 with a link to the active one.
    for (const body of [
      {
        moduleName: 'canary-module',
        version: '2.0.0',
        targetEnvironment: 'development',
        promotion: 'target-only',
      },
      { moduleName: 'canary-module', version: '2.0.0', targetEnvironment: 'QA' },
    ]) {
      const second = await create(body);
      expectConflict(second, 'active_deployment_exists');
      expect(second.body.activeDeploymentId).toBe(id);
      expect(second.body.activeDeployment).toBe(location);
      const linked = await request(t.server)
        .get(second.body.activeDeployment as string)
        .set(...bearer(viewer));
      expect([linked.status, linked.body.id]).toEqual([200, id]);
    }

    // Running: resume, retry and rollback are not allowed.
    expectConflict(await act(id, 'resume'), 'action_not_allowed');
    expectConflict(await act(id, 'retry'), 'action_not_allowed');
    const early = await act(id, 'rollback');
    expectConflict(early, 'action_not_allowed');
    expect(early.body.deploymentStatus).toBe('Running');

    const pause = await act(id, 'pause');
    expect(pause.status).toBe(200);
    expect(pause.body.id).toBe(id);
    const paused = await settle(id, (d) => d.status !== 'Running');
    expect(paused.status).toBe('Paused');
    expect(paused.allowedActions).toEqual(expect.arrayContaining(['resume', 'abort']));
    expect(paused.allowedActions).not.toContain('pause');
    const pausedAgain = await act(id, 'pause');
    expectConflict(pausedAgain, 'action_not_allowed');
    expect(pausedAgain.body.deploymentStatus).toBe('Paused');

    const resume = await act(id, 'resume');
    expect(resume.status).toBe(200);
    expect(resume.body.status).toBe('Running');
    expectConflict(await act(id, 'resume'), 'action_not_allowed');
    // Resumed into the same wave wait: still one canary node, not rolled out further.
    await new Promise((r) => setTimeout(r, 1_500));
    const resumed = await detail(id);
    expect(resumed.status).toBe('Running');
    expect(resumed.stages.find((s) => s.environment === 'Development')?.progress.nodesUpdated).toBe(1);

    const abort = await act(id, 'abort');
    expect(abort.status).toBe(200);
    const aborted = await settle(id);
    expect(aborted.status).toBe('Cancelled');
    const canaries = aborted.nodeResults
      .filter((r) => r.operation === 'install' && r.status === 'succeeded')
      .map((r) => r.nodeName);
    expect(canaries).toHaveLength(1);
    expect(
      aborted.nodeResults
        .filter((r) => r.operation === 'rollback' && r.status === 'succeeded')
        .map((r) => r.nodeName),
    ).toEqual(canaries);
    expect(Object.values(await versionsIn('Development', 'canary-module'))).not.toContain('2.0.0');

    // Finished: every in-flight action is refused.
    for (const action of ['pause', 'resume', 'abort', 'promote']) {
      const refused = await act(id, action);
      expectConflict(refused, 'action_not_allowed');
      expect(refused.body.deploymentStatus).toBe('Cancelled');
    }
    expect(await auditedActions(id)).toEqual([
      'deployment.create:success:dana',
      'deployment.pause:success:dana',
      'deployment.resume:success:dana',
      'deployment.abort:success:dana',
    ]);
  });

  it('retries a failed deployment as a new deployment, and refuses to retry an active or succeeded one', async () => {
    const faults = await request(t.server)
      .put('/api/v1/simulation/faults')
      .set(...bearer(admin))
      .send({ faults: [{ moduleName: 'retry-module', version: '2.0.0', failInstall: 'all' }] });
    expect(faults.status).toBe(200);
    const body = {
      moduleName: 'retry-module',
      version: '2.0.0',
      targetEnvironment: 'Development',
      promotion: 'target-only',
      strategy: 'Direct',
      strategyParams: { verifyWindowSeconds: 5 },
      description: 'first attempt',
      metadata: { ticket: 'OPS-7' },
    };
    const created = await create(body);
    expect(created.status).toBe(202);
    const originalId = created.body.id as string;
    const failed = await settle(originalId);
    expect(failed.status).toBe('RolledBack');
    const cleared = await request(t.server)
      .delete('/api/v1/simulation/faults')
      .set(...bearer(admin));
    expect(cleared.status).toBeLessThan(300);

    const before = await count('SELECT count(*) AS n FROM deployments WHERE module_name = $1', [
      'retry-module',
    ]);
    const retry = await act(originalId, 'retry');
    expect(retry.status).toBe(202);
    const retryId = retry.body.id as string;
    expect(retryId).not.toBe(originalId);
    expect(retry.headers.location).toBe(`/api/v1/deployments/${retryId}`);
    expect(retry.body).toEqual(
      expect.objectContaining({
        kind: 'deploy',
        retryOf: originalId,
        moduleName: 'retry-module',
        version: '2.0.0',
        targetEnvironment: 'Development',
        strategy: 'Direct',
        description: 'first attempt',
        metadata: { ticket: 'OPS-7' },
        requestedBy: 'dana',
      }),
    );
    expect(
      await count('SELECT count(*) AS n FROM deployments WHERE module_name = $1', ['retry-module']),
    ).toBe(before + 1);
    // The original is untouched by its retry.
    expect((await detail(originalId)).status).toBe('RolledBack');
    // The retry holds its post-deploy verification window (5 s, as the original asked): while it is
    // active it cannot be retried, and retrying the original again would be a second active one.
    const active = await detail(retryId);
    expect(TERMINAL_STATUSES.has(active.status)).toBe(false);
    const running = await act(retryId, 'retry');
    expectConflict(running, 'action_not_allowed');
    expect(['Queued', 'Running']).toContain(running.body.deploymentStatus);
    const again = await act(originalId, 'retry');
    expectConflict(again, 'active_deployment_exists');
    expect(again.body.activeDeploymentId).toBe(retryId);
    const done = await settle(retryId);
    expect(done.status).toBe('Succeeded');
    expect(Object.values(await versionsIn('Development', 'retry-module'))).toEqual([
      '2.0.0',
      '2.0.0',
      '2.0.0',
    ]);
    const succeeded = await act(retryId, 'retry');
    expectConflict(succeeded, 'action_not_allowed');
    expect(succeeded.body.deploymentStatus).toBe('Succeeded');
    expect(await auditedActions(retryId)).toEqual(['deployment.retry:success:dana']);
  });

  it('rolls a finished deployment back as a new kind=rollback deployment, asynchronously', async () => {
    const ids: string[] = [];
    for (const version of ['1.0.0', '2.0.0']) {
      const res = await create({
        moduleName: 'rollback-module',
        version,
        targetEnvironment: 'Development',
        promotion: 'target-only',
        strategy: 'Direct',
        // The rollback of the upgrade verifies for as long as the upgrade did: 2 s in which it is
        // still running, so the 202 cannot be an answer given after the work was done.
        strategyParams: { verifyWindowSeconds: version === '2.0.0' ? 2 : 0 },
      });
      expect(res.status).toBe(202);
      ids.push(res.body.id as string);
      expect((await settle(res.body.id as string)).status).toBe('Succeeded');
    }
    const [, upgrade] = ids as [string, string];
    expect(Object.values(await versionsIn('Development', 'rollback-module'))).toEqual([
      '2.0.0',
      '2.0.0',
      '2.0.0',
    ]);

    const rollback = await request(t.server)
      .post(`/api/v1/deployments/${upgrade}/rollback`)
      .set(...bearer(deployer))
      .send({});
    expect(rollback.status).toBe(202);
    const rollbackId = rollback.body.id as string;
    expect(rollbackId).not.toBe(upgrade);
    expect(rollback.headers.location).toBe(`/api/v1/deployments/${rollbackId}`);
    expect(rollback.body).toEqual(
      expect.objectContaining({
        kind: 'rollback',
        rollbackOf: upgrade,
        moduleName: 'rollback-module',
        version: '1.0.0',
        targetEnvironment: 'Development',
      }),
    );
    // Asynchronous: answered before it finished.
    expect(TERMINAL_STATUSES.has(rollback.body.status as string)).toBe(false);
    // While that rollback runs, a second one of the same deployment is refused and names it.
    const twice = await request(t.server)
      .post(`/api/v1/deployments/${upgrade}/rollback`)
      .set(...bearer(deployer))
      .send({});
    expectConflict(twice, 'active_deployment_exists');
    expect(twice.body.activeDeployment).toBe(rollback.headers.location);
    const done = await settle(rollbackId);
    expect(done.status).toBe('Succeeded');
    expect(done.stages.map((s) => s.name)).toEqual(['Roll back Development', 'Complete']);
    expect(Object.values(await versionsIn('Development', 'rollback-module'))).toEqual([
      '1.0.0',
      '1.0.0',
      '1.0.0',
    ]);
    expect(await auditedActions(rollbackId)).toEqual(['deployment.rollback:success:dana']);
    // The rollback is what the list shows for the module now, newest first.
    const listed = await request(t.server)
      .get('/api/v1/deployments?module=rollback-module')
      .set(...bearer(viewer));
    expect((listed.body.items as Summary[]).map((d) => d.id)).toEqual([rollbackId, upgrade, ids[0]]);
  });

  it('honours Idempotency-Key on create: the same request gets the same deployment, a different one 422', async () => {
    const body = {
      moduleName: 'idem-module',
      version: '1.0.0',
      targetEnvironment: 'Development',
      promotion: 'target-only',
      strategy: 'Direct',
      strategyParams: { verifyWindowSeconds: 0 },
    };
    const send = (payload: Record<string, unknown>) =>
      request(t.server)
        .post('/api/v1/deployments')
        .set(...bearer(deployer))
        .set('Idempotency-Key', 'deploy-idem-module-1')
        .send(payload);
    const first = await send(body);
    expect(first.status).toBe(202);
    const second = await send(body);
    expect(second.status).toBe(202);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.location).toBe(first.headers.location);
    const rows = () => count('SELECT count(*) AS n FROM deployments WHERE module_name = $1', ['idem-module']);
    expect(await rows()).toBe(1);

    const different = await send({ ...body, version: '2.0.0' });
    expect(different.status).toBe(422);
    expect(different.headers['content-type']).toMatch(PROBLEM);
    expect(different.body.code).toBe('idempotency_key_reused');
    expect(await rows()).toBe(1);
    expect((await settle(first.body.id as string)).status).toBe('Succeeded');
  });

  it('plans without any side effect: stages with gates, waves of node names, estimated durations', async () => {
    const before = await footprint();
    const plan = await request(t.server)
      .post('/api/v1/deployments/plan')
      .set(...bearer(deployer))
      .send({
        moduleName: 'plan-module',
        version: '1.0.0',
        targetEnvironment: 'Production',
        strategyParams: { stepWaitSeconds: 60 },
      });
    expect(plan.status).toBe(200);
    expect(plan.headers.location).toBeUndefined();
    const stages = plan.body.stages as {
      name: string;
      environment: string | null;
      strategy: string | null;
      gate: boolean;
      skip: boolean;
      waves: string[][];
      estimatedSeconds: number;
    }[];
    expect(stages.map((s) => [s.name, s.strategy, s.gate])).toEqual([
      ['Validate', null, false],
      ['Verify', null, false],
      ['Deploy to Development', 'Direct', false],
      ['Deploy to QA', 'Rolling', false],
      ['Deploy to Staging', 'BlueGreen', true],
      ['Deploy to Production', 'Canary', true],
      ['Complete', null, false],
    ]);
    expect(plan.body.gates).toHaveLength(2);
    expect(plan.body.conflicts).toEqual([]);
    for (const environment of ['Development', 'QA', 'Staging', 'Production']) {
      const stage = stages.find((s) => s.environment === environment);
      const names = Object.keys(await versionsIn(environment, 'plan-module')).sort();
      expect(names.length).toBeGreaterThan(0);
      // Blue-Green stages and then activates every node; canary waves name the nodes each step reaches.
      expect([environment, [...new Set(stage?.waves.flat())].sort()]).toEqual([environment, names]);
      expect(stage?.skip).toBe(false);
      expect(stage?.estimatedSeconds).toBeGreaterThanOrEqual(0);
    }
    // Production: 3 nodes, canary waves 1, 1, 1 (each step at least one more node), a minute each.
    const production = stages.find((s) => s.environment === 'Production');
    expect(production?.waves.map((w) => w.length)).toEqual([1, 1, 1]);
    expect(production?.estimatedSeconds).toBeGreaterThanOrEqual(120);
    expect(plan.body.estimatedDurationSeconds).toBe(stages.reduce((sum, s) => sum + s.estimatedSeconds, 0));
    // Give the queue time to run anything the plan might have scheduled.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await footprint()).toEqual(before);
    const listed = await request(t.server)
      .get('/api/v1/deployments?module=plan-module')
      .set(...bearer(viewer));
    expect(listed.body.items).toEqual([]);
  });

  it('lists deployments filtered, newest first, and pages through them without losing or repeating one', async () => {
    const lister = await createUser(t.server, admin, 'lister', ['Deployer']);
    const created: string[] = [];
    // Quickly, one after another: several may share a millisecond.
    for (let i = 1; i <= 5; i++) {
      const res = await create(
        {
          moduleName: `list-module-${i}`,
          version: '1.0.0',
          targetEnvironment: i <= 2 ? 'QA' : 'Development',
          promotion: 'target-only',
          strategy: 'Direct',
          strategyParams: { verifyWindowSeconds: 0 },
        },
        lister,
      );
      expect(res.status).toBe(202);
      created.push(res.body.id as string);
    }
    const newestFirst = [...created].reverse();

    const all = await list('requestedBy=lister&limit=100');
    expect(all.items.map((d) => d.id)).toEqual(newestFirst);
    expect(all.nextCursor).toBeNull();

    const seen: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(
        `requestedBy=lister&limit=2${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      sizes.push(page.items.length);
      seen.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor !== null && sizes.length < 10);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual(newestFirst);

    const byModule = await list('module=list-module-3');
    expect(byModule.items.map((d) => [d.id, d.moduleName])).toEqual([[created[2], 'list-module-3']]);
    const byEnvironment = await list('requestedBy=lister&environment=qa');
    expect(byEnvironment.items.map((d) => d.id)).toEqual([created[1], created[0]]);

    for (const id of created) expect((await settle(id)).status).toBe('Succeeded');
    // Status: the canary aborted earlier is Cancelled; nothing else listed is.
    const cancelled = await list('status=Cancelled&limit=100');
    expect(cancelled.items.length).toBeGreaterThan(0);
    expect(cancelled.items.every((d) => d.status === 'Cancelled')).toBe(true);
    expect(cancelled.items.map((d) => d.moduleName)).toContain('canary-module');
    const succeededList = await list('status=Succeeded&requestedBy=lister&limit=100');
    expect(succeededList.items.map((d) => d.id)).toEqual(newestFirst);
    const everything = await list('limit=100');
    const times = everything.items.map((d) => Date.parse(d.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(everything.items.some((d) => d.status !== 'Cancelled')).toBe(true);
  });

  it('pages without losing or repeating a deployment when several share a millisecond of created_at', async () => {
    // Concurrent creates (different modules do not wait for each other) often share a millisecond of
    // created_at; pages of one make every neighbour a page boundary.
    const burster = await createUser(t.server, admin, 'burster', ['Deployer']);
    const burst = await Promise.all(
      [1, 2, 3, 4, 5, 6, 7].map(async (i) => {
        const res = await create(
          {
            moduleName: `burst-module-${i}`,
            version: '1.0.0',
            targetEnvironment: 'Development',
            promotion: 'target-only',
            strategy: 'Direct',
            strategyParams: { verifyWindowSeconds: 0 },
          },
          burster,
        );
        expect(res.status).toBe(202);
        return res.body.id as string;
      }),
    );
    const pageThrough = async (): Promise<string[]> => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await list(
          `requestedBy=burster&limit=1${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        );
        pages += 1;
        seen.push(...page.items.map((d) => d.id));
        cursor = page.nextCursor;
      } while (cursor !== null && pages < 20);
      return seen;
    };
    const all = await list('requestedBy=burster&limit=100');
    expect([...all.items.map((d) => d.id)].sort()).toEqual([...burst].sort());
    const times = all.items.map((d) => Date.parse(d.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(await pageThrough()).toEqual(all.items.map((d) => d.id));
    for (const id of burst) expect((await settle(id)).status).toBe('Succeeded');

    // The same, made certain: all seven in one millisecond (one statement: one now()), 50 µs apart
    // (all within the first half of it, so a column kept to the millisecond rounds them to the same
    // value), so every page boundary falls inside that millisecond.
    await db.query(
      `UPDATE deployments d
          SET created_at = date_trunc('milliseconds', now()) + make_interval(secs => b.n * 50 / 1000000.0)
         FROM unnest($1::uuid[]) WITH ORDINALITY AS b(id, n)
        WHERE d.id = b.id`,
      [burst],
    );
    const sameMillisecond = await list('requestedBy=burster&limit=100');
    expect([...sameMillisecond.items.map((d) => d.id)].sort()).toEqual([...burst].sort());
    expect(new Set(sameMillisecond.items.map((d) => d.createdAt)).size).toBe(1);
    expect(await pageThrough()).toEqual(sameMillisecond.items.map((d) => d.id));
  });
});
