/**
 * Issue 7 acceptance 1, 3, 4 and 6 driven through the API by the SIMULATED fleet's fault profiles
 * (the fake-fleet harness covers the same rules at unit level): the failures come from
 * `PUT /simulation/faults`, node versions and metrics from the simulated nodes, canary measurements
 * from their stored heartbeats.
 */
import request from 'supertest';
import { bearer, loginAdmin, type Session } from './support/auth';
import { deploymentReads, TERMINAL_STATUSES } from './support/deployment-reads';
import { startTestApp, type TestApp } from './support/test-app';

const MODULE = 'payment-processor';
const STABLE = '1.0.0';

interface Measurement {
  wave: number;
  verdict: string;
  reason: string;
  metrics: { metric: string; baseline: number; canary: number; increasePercent: number; passed: boolean }[];
  canarySamples: number;
  baselineSamples: number;
}

interface NodeResult {
  nodeName: string;
  operation: string;
  step: string;
  status: string;
}

interface Deployment {
  id: string;
  status: string;
  statusReason: string | null;
  stages: {
    name: string;
    environment: string | null;
    status: string;
    message: string | null;
    durationMs: number | null;
  }[];
  canaryMeasurements: Measurement[];
  nodeResults: NodeResult[];
}

interface Fault {
  failInstall?: 'all' | number | string[];
  unhealthyAfterInstall?: boolean;
  errorRateMultiplier?: number;
  latencyMultiplier?: number;
  cpuMultiplier?: number;
  memoryMultiplier?: number;
}

describe('deployment scenarios on the simulated fleet, failures from fault profiles', () => {
  let t: TestApp;
  let admin: Session;
  let published = 0;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: '3,5,4,20',
        HEARTBEAT_INTERVAL_MS: '200',
        METRICS_FLUSH_INTERVAL_MS: '50',
        QUEUE_POLLING_INTERVAL_MS: '500',
      },
    });
    admin = await loginAdmin(t.server);
    // Approvals and signatures are other acceptance points: open the gates for these scenarios.
    for (const environment of ['Staging', 'Production']) {
      const res = await request(t.server)
        .patch(`/api/v1/environments/${environment}`)
        .set(...bearer(admin))
        .send({ approvalPolicy: { required: false }, requireSignedModules: false });
      expect(res.status).toBe(200);
    }
    await publish(STABLE);
    // Every environment runs the stable version first.
    const ids = await Promise.all(
      ['Development', 'QA', 'Staging', 'Production'].map((environment) =>
        deploy(environment, STABLE, 'Direct', {}),
      ),
    );
    for (const id of ids) expect((await settle(id)).status).toBe('Succeeded');
  }, 120_000);

  afterAll(async () => {
    await t.close();
  });

  async function publish(version: string, moduleName = MODULE): Promise<string> {
    const res = await request(t.server)
      .post(`/api/v1/modules/${moduleName}/versions`)
      .set(...bearer(admin))
      .field('manifest', JSON.stringify({ version }))
      .attach('artifact', Buffer.from(`module.exports = {}; // ${version}`), {
        filename: 'index.js',
        contentType: 'application/javascript',
      });
    expect(res.status).toBe(201);
    return version;
  }

  /** A new version with `fault` as its profile (and `stable.fault` for the version nodes run now). */
  async function faulted(fault: Fault, stable?: { version: string; fault: Fault }): Promise<string> {
    published += 1;
    const version = await publish(`1.${published}.0`);
    const faults = [
      { moduleName: MODULE, version, ...fault },
      ...(stable === undefined ? [] : [{ moduleName: MODULE, version: stable.version, ...stable.fault }]),
    ];
    const res = await request(t.server)
      .put('/api/v1/simulation/faults')
      .set(...bearer(admin))
      .send({ faults });
    expect(res.status).toBe(200);
    return version;
  }

  async function deploy(
    environment: string,
    version: string,
    strategy: string,
    params: Record<string, unknown>,
    moduleName = MODULE,
  ): Promise<string> {
    const res = await request(t.server)
      .post('/api/v1/deployments')
      .set(...bearer(admin))
      .send({
        moduleName,
        version,
        targetEnvironment: environment,
        promotion: 'target-only',
        strategy,
        strategyParams: { verifyWindowSeconds: 0, ...params },
      });
    expect(res.status).toBe(202);
    return res.body.id as string;
  }

  const { settle } = deploymentReads<Deployment>(
    () => t.server,
    () => admin,
  );

  /** Active and previous version per node of an environment. */
  async function slots(environment: string): Promise<Map<string, { active: string | null }>> {
    const res = await request(t.server)
      .get(`/api/v1/nodes?environment=${environment}&limit=200`)
      .set(...bearer(admin));
    expect(res.status).toBe(200);
    const items = res.body.items as {
      name: string;
      modules: { moduleName: string; activeVersion: string | null }[];
    }[];
    return new Map(
      items.map((n) => [
        n.name,
        { active: n.modules.find((m) => m.moduleName === MODULE)?.activeVersion ?? null },
      ]),
    );
  }

  async function activeVersions(environment: string): Promise<Record<string, string | null>> {
    return Object.fromEntries([...(await slots(environment))].map(([name, s]) => [name, s.active]));
  }

  function stageOf(d: Deployment, environment: string) {
    return d.stages.find((s) => s.environment === environment);
  }

  function ops(d: Deployment, operation: string, status?: string): string[] {
    return d.nodeResults
      .filter((r) => r.operation === operation && (status === undefined || r.status === status))
      .map((r) => r.nodeName)
      .sort();
  }

  describe('acceptance 1: Direct on 3 nodes', () => {
    it('updates every node and names the 3 nodes', async () => {
      const version = await faulted({});
      const done = await settle(await deploy('Development', version, 'Direct', {}));
      expect(done.status).toBe('Succeeded');
      const message = stageOf(done, 'Development')?.message ?? '';
      expect(message).toContain('3 node(s)');
      for (const n of [1, 2, 3]) expect(message).toContain(`sim-development-0000${n}`);
      expect(Object.values(await activeVersions('Development'))).toEqual([version, version, version]);
    });

    it('one failing node → the other two rolled back, RolledBack, every node on its old version', async () => {
      const before = await activeVersions('Development');
      const version = await faulted({ failInstall: ['sim-development-00002'] });
      const done = await settle(await deploy('Development', version, 'Direct', {}));
      expect(done.status).toBe('RolledBack');
      expect(ops(done, 'install', 'failed')).toEqual(['sim-development-00002']);
      expect(ops(done, 'rollback', 'succeeded')).toEqual(['sim-development-00001', 'sim-development-00003']);
      expect(await activeVersions('Development')).toEqual(before);
    });
  });

  describe('acceptance 3: Rolling on 5 nodes, batch 2', () => {
    const params = { batchSize: 2, healthCheckDelaySeconds: 1 };

    it('batches 2+2+1 with a health wait after each batch', async () => {
      const version = await faulted({});
      const done = await settle(await deploy('QA', version, 'Rolling', params));
      expect(done.status).toBe('Succeeded');
      const byStep = (step: string) =>
        done.nodeResults
          .filter((r) => r.step === step)
          .map((r) => r.nodeName)
          .sort();
      expect(byStep('batch-1')).toEqual(['sim-qa-00001', 'sim-qa-00002']);
      expect(byStep('batch-2')).toEqual(['sim-qa-00003', 'sim-qa-00004']);
      expect(byStep('batch-3')).toEqual(['sim-qa-00005']);
      expect(stageOf(done, 'QA')?.message).toContain('3 batch(es)');
      // Three health waits of healthCheckDelaySeconds (1 s) each.
      expect(stageOf(done, 'QA')?.durationMs).toBeGreaterThanOrEqual(3_000);
      expect(Object.values(await activeVersions('QA')).every((v) => v === version)).toBe(true);
    });

    it('the 3rd node failing → failed at batch 2, batch 1 and the good node of batch 2 rolled back', async () => {
      const before = await activeVersions('QA');
      const version = await faulted({ failInstall: ['sim-qa-00003'] });
      const done = await settle(await deploy('QA', version, 'Rolling', params));
      expect(done.status).toBe('RolledBack');
      expect(stageOf(done, 'QA')?.message).toMatch(/Install failed in batch 2 of 3/);
      expect(ops(done, 'install', 'failed')).toEqual(['sim-qa-00003']);
      expect(ops(done, 'rollback', 'succeeded')).toEqual(['sim-qa-00001', 'sim-qa-00002', 'sim-qa-00004']);
      expect(ops(done, 'install').includes('sim-qa-00005')).toBe(false);
      expect(await activeVersions('QA')).toEqual(before);
    });

    it('a node unhealthy after install → the health gate fails and every updated node is rolled back', async () => {
      const before = await activeVersions('QA');
      const version = await faulted({ unhealthyAfterInstall: true });
      const done = await settle(await deploy('QA', version, 'Rolling', params));
      expect(done.status).toBe('RolledBack');
      expect(stageOf(done, 'QA')?.message).toMatch(/Health gate failed after batch 1 of 3/);
      expect(ops(done, 'rollback', 'succeeded')).toEqual(['sim-qa-00001', 'sim-qa-00002']);
      expect(await activeVersions('QA')).toEqual(before);
    });
  });

  describe('acceptance 4: BlueGreen on 4 nodes', () => {
    const params = { smokeTestTimeoutSeconds: 1, scaleDownDelaySeconds: 30 };

    it('a first rollout (nothing active yet) → the smoke test probes the staged green slot, then activates it', async () => {
      const fresh = 'ledger-service';
      await publish('1.0.0', fresh);
      const done = await settle(await deploy('Staging', '1.0.0', 'BlueGreen', params, fresh));
      expect(done.status).toBe('Succeeded');
      const activated = done.nodeResults.filter(
        (r) => r.operation === 'activate' && r.status === 'succeeded',
      );
      expect(activated).toHaveLength(4);
      const nodes = await request(t.server)
        .get('/api/v1/nodes?environment=Staging&limit=200')
        .set(...bearer(admin));
      for (const node of nodes.body.items as { modules: { moduleName: string; activeVersion: string }[] }[]) {
        expect(node.modules.find((m) => m.moduleName === fresh)?.activeVersion).toBe('1.0.0');
      }
    });

    it('a staging failure → green unstaged everywhere, no active version ever changed', async () => {
      const before = await activeVersions('Staging');
      const version = await faulted({ failInstall: ['sim-staging-00003'] });
      const done = await settle(await deploy('Staging', version, 'BlueGreen', params));
      expect(done.status).toBe('RolledBack');
      expect(stageOf(done, 'Staging')?.message).toMatch(/Staging failed .*traffic remains on blue/);
      expect(ops(done, 'activate')).toEqual([]);
      expect(ops(done, 'unstage', 'succeeded')).toEqual([
        'sim-staging-00001',
        'sim-staging-00002',
        'sim-staging-00004',
      ]);
      expect(await activeVersions('Staging')).toEqual(before);
    });

    it('a failed smoke test → green unstaged on every node, traffic never moved', async () => {
      const before = await activeVersions('Staging');
      const version = await faulted({ unhealthyAfterInstall: true });
      const done = await settle(await deploy('Staging', version, 'BlueGreen', params));
      expect(done.status).toBe('RolledBack');
      expect(stageOf(done, 'Staging')?.message).toMatch(/Smoke test failed within 1s/);
      expect(ops(done, 'activate')).toEqual([]);
      expect(ops(done, 'unstage', 'succeeded')).toHaveLength(4);
      expect(await activeVersions('Staging')).toEqual(before);
    });

    it('success → green active on every node, blue retained as the previous version', async () => {
      const before = await activeVersions('Staging');
      const version = await faulted({});
      const done = await settle(await deploy('Staging', version, 'BlueGreen', params));
      expect(done.status).toBe('Succeeded');
      expect(stageOf(done, 'Staging')?.message).toContain('blue retained for 30s');
      expect(ops(done, 'stage', 'succeeded')).toHaveLength(4);
      expect(ops(done, 'activate', 'succeeded')).toHaveLength(4);
      const nodes = await request(t.server)
        .get('/api/v1/nodes?environment=Staging&limit=200')
        .set(...bearer(admin));
      for (const node of nodes.body.items as {
        name: string;
        modules: { moduleName: string; activeVersion: string; previousVersion: string | null }[];
      }[]) {
        const slot = node.modules.find((m) => m.moduleName === MODULE);
        expect(slot?.activeVersion).toBe(version);
        expect(slot?.previousVersion).toBe(before[node.name]);
      }
    });
  });

  describe('acceptance 6: canary gates on 20 nodes, each fault alone against a healthy baseline', () => {
    /** Default steps: the first wave is 2 nodes; observe it for 2 s of 200 ms heartbeats. */
    const params = { stepWaitSeconds: 2, minSamples: 3, retryIntervalSeconds: 1 };

    it.each<[string, Fault, string]>([
      ['error rate × 2', { errorRateMultiplier: 2 }, 'errorRate'],
      ['latency × 2.5', { latencyMultiplier: 2.5 }, 'latencyP95Ms'],
      ['cpu + 40 %', { cpuMultiplier: 1.4 }, 'cpuPercent'],
      ['memory + 41 %', { memoryMultiplier: 1.41 }, 'memoryPercent'],
    ])('%s fails the analysis and rolls back every canary node', async (_name, fault, metric) => {
      const before = await activeVersions('Production');
      const version = await faulted(fault);
      const done = await settle(await deploy('Production', version, 'Canary', params));
      expect(done.status).toBe('RolledBack');
      const [measurement] = done.canaryMeasurements;
      expect(done.canaryMeasurements).toHaveLength(1);
      expect(measurement?.verdict).toBe('fail');
      expect(measurement?.metrics.filter((m) => !m.passed).map((m) => m.metric)).toEqual([metric]);
      expect(stageOf(done, 'Production')?.message).toMatch(/Canary analysis failed after wave 1 of 4/);
      const canaries = ops(done, 'install', 'succeeded');
      expect(canaries).toHaveLength(2);
      expect(ops(done, 'rollback', 'succeeded')).toEqual(canaries);
      expect(await activeVersions('Production')).toEqual(before);
    });

    it.each<[string, Fault]>([
      ['cpu − 10 %', { cpuMultiplier: 0.9 }],
      ['latency − 5 %', { latencyMultiplier: 0.95 }],
    ])('a healthy shift (%s) passes every analysis and the canary completes', async (_name, fault) => {
      const version = await faulted(fault);
      const done = await settle(
        await deploy('Production', version, 'Canary', { ...params, steps: [10, 50, 100] }),
      );
      expect(done.status).toBe('Succeeded');
      expect(done.canaryMeasurements.map((m) => m.verdict)).toEqual(['pass', 'pass']);
      expect(Object.values(await activeVersions('Production')).every((v) => v === version)).toBe(true);
    });

    it('a zero baseline never yields NaN or Infinity', async () => {
      // The stable nodes report no errors at all; so do the canaries: 0 against 0 is no increase.
      const running = new Set(Object.values(await activeVersions('Production')));
      expect(running.size).toBe(1);
      const stable = { version: [...running][0] ?? STABLE, fault: { errorRateMultiplier: 0 } };
      const version = await faulted({ errorRateMultiplier: 0 }, stable);
      const done = await settle(
        await deploy('Production', version, 'Canary', { ...params, steps: [10, 100] }),
      );
      expect(done.status).toBe('Succeeded');
      const [measurement] = done.canaryMeasurements;
      expect(measurement?.verdict).toBe('pass');
      const errorRate = measurement?.metrics.find((m) => m.metric === 'errorRate');
      expect(errorRate).toEqual(expect.objectContaining({ baseline: 0, canary: 0, increasePercent: 0 }));
      for (const m of measurement?.metrics ?? []) {
        for (const value of [m.baseline, m.canary, m.increasePercent])
          expect(Number.isFinite(value)).toBe(true);
      }
    });

    it('too few samples → inconclusive, retried up to the limit, then paused for a human', async () => {
      const before = await activeVersions('Production');
      const version = await faulted({});
      const id = await deploy('Production', version, 'Canary', {
        ...params,
        minSamples: 1000,
        inconclusiveLimit: 2,
        retryIntervalSeconds: 0,
      });
      const paused = await settle(id, (d) => d.status === 'Paused' || TERMINAL_STATUSES.has(d.status));
      expect(paused.status).toBe('Paused');
      expect(paused.canaryMeasurements.map((m) => m.verdict)).toEqual([
        'inconclusive',
        'inconclusive',
        'inconclusive',
      ]);
      expect(paused.canaryMeasurements[0]?.reason).toMatch(/fewer than 1000 samples/);
      expect(paused.statusReason).toMatch(/inconclusive 3 time\(s\).*paused for a human/);
      // Aborting rolls the canary nodes back.
      const abort = await request(t.server)
        .post(`/api/v1/deployments/${id}/abort`)
        .set(...bearer(admin));
      expect(abort.status).toBe(200);
      expect((await settle(id)).status).toBe('Cancelled');
      expect(await activeVersions('Production')).toEqual(before);
    });
  });
});
