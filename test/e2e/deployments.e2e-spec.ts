import { Client } from 'pg';
import request from 'supertest';
import { bearer, createUser, loginAdmin, type Session } from './support/auth';
import { makeKey, sample, signModule } from './support/module-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

interface DeploymentBody {
  id: string;
  status: string;
  stages: {
    name: string;
    environment: string | null;
    strategy: string | null;
    status: string;
    message: string | null;
  }[];
  nodeResults: { nodeName: string; operation: string; status: string }[];
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'RolledBack', 'Cancelled']);

const ENGINE_METRICS = [
  'hotswap_deployments_started_total',
  'hotswap_deployments_finished_total',
  'hotswap_deployment_duration_seconds',
  'hotswap_rollbacks_total',
  'hotswap_node_operations_total',
  'hotswap_canary_analyses_total',
];

/** The value of one series in a `/metrics` text (0 when it has no sample yet). */
function seriesValue(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('deployments through the API (simulated fleet, job queue, real database)', () => {
  let t: TestApp;
  let admin: Session;
  let deployer: Session;
  let viewer: Session;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: '3,5,2,0',
        HEARTBEAT_INTERVAL_MS: '200',
        QUEUE_POLLING_INTERVAL_MS: '500',
      },
    });
    admin = await loginAdmin(t.server);
    deployer = await createUser(t.server, admin, 'dana', ['Deployer']);
    viewer = await createUser(t.server, admin, 'vera', ['Viewer']);
    for (const version of ['2.0.0', '2.1.0']) {
      const s = sample('payment-processor', version);
      const res = await request(t.server)
        .post('/api/v1/modules/payment-processor/versions')
        .set(...bearer(admin))
        .field('manifest', s.manifestText)
        .attach('artifact', s.artifact, { filename: 'index.js', contentType: 'application/javascript' });
      expect(res.status).toBe(201);
    }
  });

  afterAll(async () => {
    await t.close();
  });

  async function waitFor(
    id: string,
    done: (d: DeploymentBody) => boolean,
    timeoutMs = 60_000,
  ): Promise<DeploymentBody> {
    const started = Date.now();
    for (;;) {
      const res = await request(t.server)
        .get(`/api/v1/deployments/${id}`)
        .set(...bearer(viewer));
      expect(res.status).toBe(200);
      const body = res.body as DeploymentBody;
      if (done(body)) return body;
      if (Date.now() - started > timeoutMs)
        throw new Error(`deployment ${id} still ${body.status}: ${JSON.stringify(body.stages)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async function versionsIn(environment: string): Promise<(string | null)[]> {
    const res = await request(t.server)
      .get(`/api/v1/nodes?environment=${environment}&limit=200`)
      .set(...bearer(viewer));
    expect(res.status).toBe(200);
    return (res.body.items as { modules: { moduleName: string; activeVersion: string | null }[] }[]).map(
      (n) => n.modules.find((m) => m.moduleName === 'payment-processor')?.activeVersion ?? null,
    );
  }

  it('accepts a deployment with 202 and Location, runs it asynchronously and updates the nodes', async () => {
    const metricsBefore = (await request(t.server).get('/metrics')).text;
    const res = await request(t.server)
      .post('/api/v1/deployments')
      .set(...bearer(deployer))
      .send({
        moduleName: 'payment-processor',
        version: '2.0.0',
        targetEnvironment: 'development',
        strategyParams: { verifyWindowSeconds: 0 },
      });
    expect(res.status).toBe(202);
    expect(res.headers.location).toBe(`/api/v1/deployments/${res.body.id as string}`);
    expect(res.body.requestedBy).toBe('dana');
    // The 202 body is the deployment as its transaction wrote it (not read back): Queued, every stage
    // Pending, and otherwise what reading it back shows.
    const created = res.body as DeploymentBody;
    expect(created.status).toBe('Queued');
    expect(created.stages.map((s) => s.status)).toEqual(['Pending', 'Pending', 'Pending', 'Pending']);
    expect(res.body).toMatchObject({ canaryMeasurements: [], nodeResults: [], currentStage: 'Validate' });
    const readBack = await request(t.server)
      .get(`/api/v1/deployments/${res.body.id as string}`)
      .set(...bearer(deployer));
    for (const field of [
      'id',
      'kind',
      'moduleName',
      'version',
      'targetEnvironment',
      'strategy',
      'strategyParams',
      'promotion',
      'metadata',
      'requestedBy',
      'createdAt',
      'traceId',
    ]) {
      expect([field, res.body[field]]).toEqual([field, readBack.body[field]]);
    }
    expect(created.stages.map((s) => s.name)).toEqual(
      (readBack.body as DeploymentBody).stages.map((s) => s.name),
    );
    const done = await waitFor(res.body.id as string, (d) => TERMINAL.has(d.status));
    expect(done.status).toBe('Succeeded');
    expect(done.stages.map((s) => [s.name, s.status])).toEqual([
      ['Validate', 'Succeeded'],
      ['Verify', 'Succeeded'],
      ['Deploy to Development', 'Succeeded'],
      ['Complete', 'Succeeded'],
    ]);
    expect(done.stages[2]?.message).toContain('3 node(s)');
    expect(await versionsIn('Development')).toEqual(['2.0.0', '2.0.0', '2.0.0']);
    // The engine's metrics, served at /metrics: this deployment's start, finish and operations.
    const metrics = await request(t.server).get('/metrics');
    expect(metrics.status).toBe(200);
    for (const name of ENGINE_METRICS) expect(metrics.text).toContain(`# TYPE ${name} `);
    const delta = (series: string) => seriesValue(metrics.text, series) - seriesValue(metricsBefore, series);
    expect(delta('hotswap_deployments_started_total{environment="Development",strategy="Direct"}')).toBe(1);
    expect(
      delta(
        'hotswap_deployments_finished_total{environment="Development",strategy="Direct",outcome="Succeeded"}',
      ),
    ).toBe(1);
    expect(
      delta('hotswap_deployment_duration_seconds_count{environment="Development",outcome="Succeeded"}'),
    ).toBe(1);
    expect(delta('hotswap_node_operations_total{operation="install",result="ok"}')).toBe(
      done.nodeResults.filter((r) => r.operation === 'install' && r.status === 'succeeded').length,
    );
    expect(done.nodeResults).toHaveLength(3);
    // Everything the engine did is an event and an audit record: one record per event it wrote (stage
    // changes and progress as well as status changes), in order, with the event's payload and trace.
    const db = new Client({ connectionString: t.database.url });
    await db.connect();
    try {
      const audited = await db.query<{
        action: string;
        actor_name: string;
        details: unknown;
        trace_id: string;
      }>(
        "SELECT action, actor_name, details, trace_id FROM audit_records WHERE resource_id = $1 AND actor_kind = 'system' ORDER BY seq",
        [res.body.id],
      );
      const events = await db.query<{ type: string; payload: unknown; trace_id: string }>(
        "SELECT type, payload, trace_id FROM events WHERE deployment_id = $1 AND type <> 'deployment.created' ORDER BY seq",
        [res.body.id],
      );
      expect(audited.rows.map((r) => [r.action, r.actor_name, r.details, r.trace_id])).toEqual(
        events.rows.map((e) => [e.type.replace(/_changed$/, ''), 'system', e.payload, e.trace_id]),
      );
      const count = (action: string) => audited.rows.filter((r) => r.action === action).length;
      // Validate, Verify and Deploy to Development start and succeed; Complete succeeds.
      expect(count('deployment.stage')).toBe(7);
      expect(count('deployment.status')).toBe(
        events.rows.filter((e) => e.type === 'deployment.status_changed').length,
      );
      expect(count('deployment.status')).toBeGreaterThan(0);
    } finally {
      await db.end();
    }
  });

  it('rolls QA out in batches and a faulted version is rolled back on every node', async () => {
    const faults = await request(t.server)
      .put('/api/v1/simulation/faults')
      .set(...bearer(admin))
      .send({ faults: [{ moduleName: 'payment-processor', version: '2.1.0', failInstall: 1 }] });
    expect(faults.status).toBe(200);
    const res = await request(t.server)
      .post('/api/v1/deployments')
      .set(...bearer(deployer))
      .send({
        moduleName: 'payment-processor',
        version: '2.1.0',
        targetEnvironment: 'QA',
        promotion: 'target-only',
        strategyParams: { batchSize: 2, healthCheckDelaySeconds: 0, verifyWindowSeconds: 0 },
      });
    expect(res.status).toBe(202);
    const done = await waitFor(res.body.id as string, (d) => TERMINAL.has(d.status));
    expect(done.status).toBe('RolledBack');
    expect(done.stages.find((s) => s.environment === 'QA')?.message).toMatch(/Install failed in batch 1/);
    expect((await versionsIn('QA')).every((v) => v === null)).toBe(true);
    await request(t.server)
      .delete('/api/v1/simulation/faults')
      .set(...bearer(admin));
  });

  it('waits at the Staging approval gate, refuses a second deployment with 409 naming it, and aborts', async () => {
    const key = makeKey('ed25519');
    const registered = await request(t.server)
      .post('/api/v1/signing-keys')
      .set(...bearer(admin))
      .send({ name: 'e2e-deploy', publicKey: key.publicPem });
    const manifest = { version: '3.0.0' };
    const artifact = Buffer.from("module.exports = { health() { return { status: 'healthy' }; } };");
    const published = await request(t.server)
      .post('/api/v1/modules/payment-processor/versions')
      .set(...bearer(deployer))
      .field('manifest', JSON.stringify(manifest))
      .field('signature', signModule(key, artifact, manifest))
      .field('signingKeyId', registered.body.id as string)
      .attach('artifact', artifact, { filename: 'index.js', contentType: 'application/javascript' });
    expect(published.status).toBe(201);
    const first = await request(t.server)
      .post('/api/v1/deployments')
      .set(...bearer(deployer))
      .send({
        moduleName: 'payment-processor',
        version: '3.0.0',
        targetEnvironment: 'Staging',
        promotion: 'target-only',
      });
    expect(first.status).toBe(202);
    const pending = await waitFor(first.body.id as string, (d) => d.status === 'PendingApproval', 30_000);
    expect(pending.stages.find((s) => s.environment === 'Staging')?.status).toBe('WaitingForApproval');
    const second = await request(t.server)
      .post('/api/v1/deployments')
      .set(...bearer(deployer))
      .send({
        moduleName: 'payment-processor',
        version: '2.1.0',
        targetEnvironment: 'Staging',
        promotion: 'target-only',
      });
    expect(second.status).toBe(409);
    expect(second.body.activeDeploymentId).toBe(first.body.id);
    expect(second.body.detail).toContain(first.body.id as string);
    const resume = await request(t.server)
      .post(`/api/v1/deployments/${first.body.id as string}/resume`)
      .set(...bearer(deployer));
    expect(resume.status).toBe(409);
    const abort = await request(t.server)
      .post(`/api/v1/deployments/${first.body.id as string}/abort`)
      .set(...bearer(deployer));
    expect(abort.status).toBe(200);
    const cancelled = await waitFor(first.body.id as string, (d) => TERMINAL.has(d.status));
    expect(cancelled.status).toBe('Cancelled');
    const again = await request(t.server)
      .post(`/api/v1/deployments/${first.body.id as string}/abort`)
      .set(...bearer(deployer));
    expect(again.status).toBe(409);
    const db = new Client({ connectionString: t.database.url });
    await db.connect();
    try {
      const audited = await db.query<{ action: string; actor_name: string }>(
        'SELECT action, actor_name FROM audit_records WHERE resource_id = $1 ORDER BY seq',
        [first.body.id],
      );
      const actions = audited.rows.map((r) => `${r.action}:${r.actor_name}`);
      expect(actions[0]).toBe('deployment.create:dana');
      expect(actions).toContain('deployment.abort:dana');
      const transitions = await db.query(
        "SELECT 1 FROM events WHERE deployment_id = $1 AND type = 'deployment.status_changed'",
        [first.body.id],
      );
      // Every status transition the engine made is audited, as the system.
      expect(actions.filter((a) => a === 'deployment.status:system')).toHaveLength(
        transitions.rowCount ?? -1,
      );
      expect(transitions.rowCount).toBeGreaterThan(0);
      // And so is every stage change (the approval gate's wait, the cancellation).
      const stageChanges = await db.query(
        "SELECT 1 FROM events WHERE deployment_id = $1 AND type = 'deployment.stage_changed'",
        [first.body.id],
      );
      expect(actions.filter((a) => a === 'deployment.stage:system')).toHaveLength(
        stageChanges.rowCount ?? -1,
      );
      expect(stageChanges.rowCount).toBeGreaterThan(0);
    } finally {
      await db.end();
    }
  });

  it('checks dependencies against what an environment runs: satisfied, unsatisfied, missing', async () => {
    const publish = async (name: string, manifest: Record<string, unknown>) => {
      const res = await request(t.server)
        .post(`/api/v1/modules/${name}/versions`)
        .set(...bearer(deployer))
        .field('manifest', JSON.stringify(manifest))
        .attach('artifact', Buffer.from(`module.exports = {}; // ${name}`), {
          filename: 'index.js',
          contentType: 'application/javascript',
        });
      expect(res.status).toBe(201);
    };
    const s = sample('inventory-service', '1.4.0');
    await publish('inventory-service', JSON.parse(s.manifestText) as Record<string, unknown>);
    await publish('order-service', { version: '1.0.0', dependencies: { 'payment-processor': '^3.0.0' } });
    const check = (name: string, version: string, environment: string) =>
      request(t.server)
        .get(`/api/v1/modules/${name}/versions/${version}/dependencies?environment=${environment}`)
        .set(...bearer(viewer));
    const satisfied = await check('inventory-service', '1.4.0', 'development');
    expect(satisfied.status).toBe(200);
    expect(satisfied.body).toEqual(
      expect.objectContaining({
        satisfied: true,
        dependencies: [
          expect.objectContaining({
            name: 'payment-processor',
            range: '^2.0.0',
            status: 'satisfied',
            runningVersions: ['2.0.0'],
            nodes: 3,
            satisfyingNodes: 3,
          }),
        ],
      }),
    );
    const unsatisfied = await check('order-service', '1.0.0', 'Development');
    expect(unsatisfied.body.dependencies[0]).toEqual(
      expect.objectContaining({ status: 'unsatisfied', runningVersions: ['2.0.0'], satisfyingNodes: 0 }),
    );
    const missing = await check('inventory-service', '1.4.0', 'QA');
    expect(missing.body).toEqual(
      expect.objectContaining({
        satisfied: false,
        dependencies: [expect.objectContaining({ status: 'missing', runningVersions: [] })],
      }),
    );
    expect((await check('inventory-service', '1.4.0', 'Nowhere')).status).toBe(404);
    const blocked = await request(t.server)
      .post('/api/v1/deployments')
      .set(...bearer(deployer))
      .send({
        moduleName: 'inventory-service',
        version: '1.4.0',
        targetEnvironment: 'QA',
        promotion: 'target-only',
      });
    expect(blocked.status).toBe(422);
    expect(blocked.body.detail).toContain('payment-processor ^2.0.0 is not running in QA');
  });

  it('plans without side effects: stages, waves with node names, gates', async () => {
    const before = await request(t.server)
      .get('/api/v1/deployments?limit=200')
      .set(...bearer(viewer));
    const plan = await request(t.server)
      .post('/api/v1/deployments/plan')
      .set(...bearer(deployer))
      .send({ moduleName: 'payment-processor', version: '2.1.0', targetEnvironment: 'QA' });
    expect(plan.status).toBe(200);
    expect((plan.body.stages as { name: string }[]).map((s) => s.name)).toEqual([
      'Validate',
      'Verify',
      'Deploy to Development',
      'Deploy to QA',
      'Complete',
    ]);
    const qa = (plan.body.stages as { name: string; waves: string[][] }[]).find(
      (s) => s.name === 'Deploy to QA',
    );
    expect(qa?.waves.map((w) => w.length)).toEqual([2, 2, 1]);
    const after = await request(t.server)
      .get('/api/v1/deployments?limit=200')
      .set(...bearer(viewer));
    expect(after.body.items).toHaveLength((before.body.items as unknown[]).length);
  });

  describe('bad input: 400 with every error listed, 422 when the version cannot deploy, never a 5xx', () => {
    const valid = { moduleName: 'payment-processor', version: '2.0.0', targetEnvironment: 'Development' };

    it.each(['ab', 'UPPERCASE', '-module', 'module-', 'module_name', 'module.name', 'module name'])(
      'moduleName %j',
      async (moduleName) => {
        const res = await request(t.server)
          .post('/api/v1/deployments')
          .set(...bearer(deployer))
          .send({ ...valid, moduleName });
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field: 'moduleName' })]),
        );
      },
    );

    it.each(['1.0', '1', 'v1.0.0', '1.0.0.0', '1.0.a'])('version %j', async (version) => {
      const res = await request(t.server)
        .post('/api/v1/deployments')
        .set(...bearer(deployer))
        .send({ ...valid, version });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'version' })]),
      );
    });

    it.each(['InvalidEnv', '9'])('targetEnvironment %j', async (targetEnvironment) => {
      const res = await request(t.server)
        .post('/api/v1/deployments')
        .set(...bearer(deployer))
        .send({ ...valid, targetEnvironment });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'targetEnvironment' })]),
      );
    });

    it('lists every error together: name, version, environment, description > 1000, metadata > 50 entries', async () => {
      const metadata = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
      const res = await request(t.server)
        .post('/api/v1/deployments')
        .set(...bearer(deployer))
        .send({
          moduleName: 'Bad_Name',
          version: '1.0',
          targetEnvironment: 'InvalidEnv',
          description: 'x'.repeat(1001),
          metadata,
          strategy: 'Sideways',
        });
      expect(res.status).toBe(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'moduleName',
          'version',
          'targetEnvironment',
          'description',
          'metadata',
          'strategy',
        ]),
      );
    });

    it('answers an unknown module version with 422 and a pre-release with 422, not 500', async () => {
      for (const version of ['9.9.9', '1.0.0-beta.2']) {
        const res = await request(t.server)
          .post('/api/v1/deployments')
          .set(...bearer(deployer))
          .send({ ...valid, version });
        expect(res.status).toBe(422);
        expect(res.body.detail).toContain('does not exist');
      }
    });

    it('refuses a yanked version with 422, and accepts it again once unyanked', async () => {
      const yank = await request(t.server)
        .post('/api/v1/modules/payment-processor/versions/2.0.0/yank')
        .set(...bearer(admin))
        .send({ reason: 'broken' });
      expect(yank.status).toBe(200);
      const plan = () =>
        request(t.server)
          .post('/api/v1/deployments/plan')
          .set(...bearer(deployer))
          .send(valid);
      const refused = await plan();
      expect(refused.status).toBe(422);
      expect(refused.body.detail).toContain('yanked');
      await request(t.server)
        .post('/api/v1/modules/payment-processor/versions/2.0.0/unyank')
        .set(...bearer(admin))
        .send({ reason: 'fixed' });
      expect((await plan()).status).toBe(200);
    });

    it('answers unknown deployments with 404', async () => {
      expect(
        (
          await request(t.server)
            .get('/api/v1/deployments/00000000-0000-4000-8000-000000000000')
            .set(...bearer(viewer))
        ).status,
      ).toBe(404);
      expect(
        (
          await request(t.server)
            .get('/api/v1/deployments/not-a-uuid')
            .set(...bearer(viewer))
        ).status,
      ).toBe(404);
    });
  });
});
