/**
 * Issue 7 acceptance 2, 5, 7, 8 and 9 through the API on the SIMULATED fleet (the fake-fleet harness
 * in libs/deployments covers the same rules at unit and integration level): node versions come from
 * the simulated nodes, failures from `PUT /simulation/faults`, gates are opened through the approvals
 * API, signatures are checked against a key registered through the API.
 *
 * Fleet: Development 3 nodes, QA 4, Staging 2, Production 20 — so a canary runs on 2, 3, 4 and 20
 * nodes with the seeded environments, and the promotion path has a node count per environment that
 * tells them apart.
 */
import request from 'supertest';
import { bearer, createUser, loginAdmin, type Session } from './support/auth';
import { deploymentReads, TERMINAL_STATUSES } from './support/deployment-reads';
import { makeKey, signModule, type TestKey } from './support/module-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

const MODULE = 'payment-processor';
const STABLE = '1.0.0';
const ENVIRONMENTS = ['Development', 'QA', 'Staging', 'Production'] as const;
const SIZES: Record<(typeof ENVIRONMENTS)[number], number> = {
  Development: 3,
  QA: 4,
  Staging: 2,
  Production: 20,
};
/** A canary whose healthy waves pass at once: no observation time, no samples required. */
const QUICK_CANARY = { stepWaitSeconds: 0, minSamples: 0 };

interface NodeResult {
  nodeName: string;
  environment: string;
  operation: string;
  step: string;
  fromVersion: string | null;
  toVersion: string | null;
  status: string;
}

interface Stage {
  name: string;
  kind: string;
  environment: string | null;
  strategy: string | null;
  status: string;
  message: string | null;
  progress: { nodesTotal: number; nodesUpdated: number; nodesFailed: number; wave: number; waves: number };
}

interface Deployment {
  id: string;
  kind: string;
  status: string;
  statusReason: string | null;
  version: string;
  targetEnvironment: string;
  stages: Stage[];
  canaryMeasurements: { environment: string; wave: number; verdict: string }[];
  nodeResults: NodeResult[];
  approvals: { environment: string; status: string; approvals: number; decisions: { by: string }[] }[];
  rollbackOf: string | null;
  rolledBackBy: string[];
  needsReconciliation: { nodeId: string; nodeName: string; environment: string }[];
}

interface Fault {
  failInstall?: 'all' | number | string[];
  unhealthyAfterInstall?: boolean;
  installDelayMs?: number;
}

const node = (environment: string, n: number) =>
  `sim-${environment.toLowerCase()}-${String(n).padStart(5, '0')}`;
const nodesOf = (environment: (typeof ENVIRONMENTS)[number]) =>
  Array.from({ length: SIZES[environment] }, (_, i) => node(environment, i + 1));

describe('deployment pipeline scenarios on the simulated fleet', () => {
  let t: TestApp;
  let admin: Session;
  /** A second Admin: Production does not let the requester approve its own deployment. */
  let approver: Session;
  let key: TestKey;
  let keyId: string;
  let published = 0;
  const faults: ({ moduleName: string; version: string } & Fault)[] = [];

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: ENVIRONMENTS.map((e) => SIZES[e]).join(','),
        HEARTBEAT_INTERVAL_MS: '200',
        METRICS_FLUSH_INTERVAL_MS: '50',
        QUEUE_POLLING_INTERVAL_MS: '500',
      },
    });
    admin = await loginAdmin(t.server);
    approver = await createUser(t.server, admin, 'second-admin', ['Admin']);
    key = makeKey('ed25519');
    const registered = await request(t.server)
      .post('/api/v1/signing-keys')
      .set(...bearer(admin))
      .send({ name: 'release-key', publicKey: key.publicPem });
    expect(registered.status).toBe(201);
    keyId = registered.body.id as string;
    // The seeded policies stay as they are (gates, signatures, default strategies); only the waits
    // are shortened: QA's health delay after each Rolling batch (30 s by default).
    const qa = await request(t.server)
      .patch('/api/v1/environments/QA')
      .set(...bearer(admin))
      .send({ strategyDefaults: { Rolling: { healthCheckDelaySeconds: 1 } } });
    expect(qa.status).toBe(200);
    await publish(STABLE);
    // Every environment runs the stable version first (Staging and Production through their gates).
    const ids = await Promise.all(ENVIRONMENTS.map((e) => deploy(e, STABLE, { strategy: 'Direct' })));
    for (const id of ids) expect((await run(id)).status).toBe('Succeeded');
    for (const environment of ENVIRONMENTS)
      expect(Object.values(await activeVersions(environment))).toEqual(
        nodesOf(environment).map(() => STABLE),
      );
  }, 120_000);

  afterAll(async () => {
    await t.close();
  });

  /** Publishes `version`, signed with the registered key unless `signed: false`. */
  async function publish(version: string, options: { signed?: boolean } = {}): Promise<string> {
    const manifest = { version };
    const artifact = Buffer.from(`module.exports = {}; // ${version}`);
    let req = request(t.server)
      .post(`/api/v1/modules/${MODULE}/versions`)
      .set(...bearer(admin))
      .field('manifest', JSON.stringify(manifest));
    if (options.signed !== false)
      req = req.field('signature', signModule(key, artifact, manifest)).field('signingKeyId', keyId);
    const res = await req.attach('artifact', artifact, {
      filename: 'index.js',
      contentType: 'application/javascript',
    });
    expect(res.status).toBe(201);
    expect(res.body.signed).toBe(options.signed !== false);
    return version;
  }

  /** A new version, with `fault` as its profile in the simulated fleet when given. */
  async function next(options: { signed?: boolean; fault?: Fault } = {}): Promise<string> {
    published += 1;
    const version = await publish(`1.${published}.0`, options);
    if (options.fault !== undefined) {
      faults.push({ moduleName: MODULE, version, ...options.fault });
      const res = await request(t.server)
        .put('/api/v1/simulation/faults')
        .set(...bearer(admin))
        .send({ faults });
      expect(res.status).toBe(200);
    }
    return version;
  }

  async function deploy(
    environment: string,
    version: string,
    options: { strategy?: string; params?: Record<string, unknown>; promotion?: 'full' | 'target-only' } = {},
  ): Promise<string> {
    const res = await request(t.server)
      .post('/api/v1/deployments')
      .set(...bearer(admin))
      .send({
        moduleName: MODULE,
        version,
        targetEnvironment: environment,
        promotion: options.promotion ?? 'target-only',
        ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
        strategyParams: { verifyWindowSeconds: 0, ...options.params },
      });
    expect(res.status).toBe(202);
    return res.body.id as string;
  }

  const { detail, settle } = deploymentReads<Deployment>(
    () => t.server,
    () => admin,
  );

  /** Approves one open gate of the deployment as the second Admin. */
  async function approve(id: string): Promise<void> {
    const res = await request(t.server)
      .post(`/api/v1/approvals/deployments/${id}/approve`)
      .set(...bearer(approver))
      .send({ reason: 'scenario' });
    expect(res.status).toBe(200);
  }

  /** Runs a deployment to its end, approving every gate it waits at; `atGate` sees it at each gate. */
  async function run(id: string, atGate?: (d: Deployment) => void): Promise<Deployment> {
    // An approved gate is no longer Pending at once, while the deployment stays PendingApproval until
    // the runner moves on: a gate to approve is a Pending one.
    const open = (x: Deployment) =>
      x.status === 'PendingApproval' && x.approvals.some((a) => a.status === 'Pending');
    for (;;) {
      const d = await settle(id, (x) => open(x) || TERMINAL_STATUSES.has(x.status));
      if (!open(d)) return d;
      atGate?.(d);
      await approve(id);
    }
  }

  async function slots(
    environment: string,
  ): Promise<Map<string, { active: string | null; previous: string | null }>> {
    const res = await request(t.server)
      .get(`/api/v1/nodes?environment=${environment}&limit=200`)
      .set(...bearer(admin));
    expect(res.status).toBe(200);
    const items = res.body.items as {
      name: string;
      modules: { moduleName: string; activeVersion: string | null; previousVersion: string | null }[];
    }[];
    return new Map(
      items
        .map((n) => {
          const slot = n.modules.find((m) => m.moduleName === MODULE);
          return [
            n.name,
            { active: slot?.activeVersion ?? null, previous: slot?.previousVersion ?? null },
          ] as const;
        })
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  }

  /** Active version per node of an environment, by node name in order. */
  async function activeVersions(environment: string): Promise<Record<string, string | null>> {
    return Object.fromEntries([...(await slots(environment))].map(([name, s]) => [name, s.active]));
  }

  /** Every node of `environment` on `version`. */
  const all = (environment: (typeof ENVIRONMENTS)[number], version: string) =>
    Object.fromEntries(nodesOf(environment).map((n) => [n, version]));

  function stageOf(d: Deployment, environment: string): Stage | undefined {
    return d.stages.find((s) => s.environment === environment);
  }

  function ops(d: Deployment, operation: string, status = 'succeeded'): string[] {
    return d.nodeResults
      .filter((r) => r.operation === operation && r.status === status)
      .map((r) => r.nodeName)
      .sort();
  }

  describe('acceptance 2: an empty environment fails with every strategy', () => {
    beforeAll(async () => {
      const res = await request(t.server)
        .post('/api/v1/environments')
        .set(...bearer(admin))
        .send({ name: 'Empty', rank: 50 });
      expect(res.status).toBe(201);
    });

    it.each(['Direct', 'Rolling', 'BlueGreen', 'Canary'])(
      '%s → "No nodes available in environment", no node touched',
      async (strategy) => {
        const params = strategy === 'Canary' ? QUICK_CANARY : {};
        const done = await run(await deploy('Empty', STABLE, { strategy, params }));
        // Nothing changed, so nothing was rolled back: the deployment failed (DR-51).
        expect(done.status).toBe('Failed');
        expect(done.needsReconciliation).toEqual([]);
        const stage = stageOf(done, 'Empty');
        expect(stage?.strategy).toBe(strategy);
        expect(stage?.status).toBe('Failed');
        expect(stage?.message).toBe('No nodes available in environment');
        expect(stage?.progress.nodesTotal).toBe(0);
        expect(done.statusReason).toBe('Deploy to Empty: No nodes available in environment');
        expect(done.stages.find((s) => s.name === 'Complete')?.status).toBe('Cancelled');
        expect(done.nodeResults).toEqual([]);
      },
    );
  });

  describe('acceptance 5: canary waves on the simulated fleet', () => {
    /** Cumulative node counts after each wave, read from the node-operation log (`wave-N` steps). */
    function cumulativeWaves(d: Deployment): number[] {
      const installs = d.nodeResults.filter((r) => r.operation === 'install' && r.status === 'succeeded');
      const waves = [...new Set(installs.map((r) => Number(r.step.replace('wave-', ''))))].sort(
        (a, b) => a - b,
      );
      expect(waves).toEqual(waves.map((_, i) => i + 1));
      let total = 0;
      return waves.map((w) => (total += installs.filter((r) => r.step === `wave-${w}`).length));
    }

    it('20 nodes, default steps → waves of 2, 6, 10, 20 nodes (4 steps, not 6), analysed after each but the last', async () => {
      const version = await next();
      const done = await run(
        await deploy('Production', version, { strategy: 'Canary', params: QUICK_CANARY }),
      );
      expect(done.status).toBe('Succeeded');
      expect(cumulativeWaves(done)).toEqual([2, 6, 10, 20]);
      // Waves follow the stable (name) order.
      expect(
        done.nodeResults
          .filter((r) => r.step === 'wave-1')
          .map((r) => r.nodeName)
          .sort(),
      ).toEqual([node('Production', 1), node('Production', 2)]);
      const stage = stageOf(done, 'Production');
      expect(stage?.progress).toEqual(
        expect.objectContaining({ nodesTotal: 20, nodesUpdated: 20, nodesFailed: 0, wave: 4, waves: 4 }),
      );
      expect(stage?.message).toContain('after 4 wave(s) (2, 6, 10, 20)');
      expect(done.canaryMeasurements.map((m) => [m.wave, m.verdict])).toEqual([
        [1, 'pass'],
        [2, 'pass'],
        [3, 'pass'],
      ]);
      expect(await activeVersions('Production')).toEqual(all('Production', version));
    });

    it('20 nodes, steps [10, 40, 100] → waves of 2, 8, 20 nodes', async () => {
      const version = await next();
      const done = await run(
        await deploy('Production', version, {
          strategy: 'Canary',
          params: { ...QUICK_CANARY, steps: [10, 40, 100] },
        }),
      );
      expect(done.status).toBe('Succeeded');
      expect(cumulativeWaves(done)).toEqual([2, 8, 20]);
      expect(stageOf(done, 'Production')?.message).toContain('after 3 wave(s) (2, 8, 20)');
      expect(await activeVersions('Production')).toEqual(all('Production', version));
    });

    it.each<[(typeof ENVIRONMENTS)[number], number[]]>([
      ['Staging', [1, 2]],
      ['Development', [1, 2, 3]],
      ['QA', [1, 2, 3, 4]],
    ])(
      'a small fleet (%s) never stops early: waves %j, every node updated before success',
      async (environment, waves) => {
        const before = await activeVersions(environment);
        const version = await next();
        const id = await deploy(environment, version, { strategy: 'Canary', params: QUICK_CANARY });
        const done = await run(id);
        expect(done.status).toBe('Succeeded');
        expect(cumulativeWaves(done)).toEqual(waves);
        expect(ops(done, 'install')).toEqual(nodesOf(environment));
        expect(stageOf(done, environment)?.progress).toEqual(
          expect.objectContaining({ nodesUpdated: SIZES[environment], waves: waves.length }),
        );
        expect(await activeVersions(environment)).toEqual(all(environment, version));
        expect(Object.values(before).every((v) => v !== version)).toBe(true);
      },
    );
  });

  describe('acceptance 7: the promotion path with the default policies', () => {
    it('Production target → Validate, Verify, Development (Direct), QA (Rolling), Staging (BlueGreen, gate), Production (Canary, gate), Complete', async () => {
      const version = await next();
      const gates: string[][] = [];
      const done = await run(
        await deploy('Production', version, { promotion: 'full', params: QUICK_CANARY }),
        (d) => {
          // A gate opens when the pipeline reaches its environment, not once up front.
          gates.push(d.stages.map((s) => `${s.name}: ${s.status}`));
          expect(d.approvals.filter((a) => a.status === 'Pending')).toHaveLength(1);
        },
      );
      expect(done.status).toBe('Succeeded');
      expect(done.stages.map((s) => [s.name, s.strategy, s.status])).toEqual([
        ['Validate', null, 'Succeeded'],
        ['Verify', null, 'Succeeded'],
        ['Deploy to Development', 'Direct', 'Succeeded'],
        ['Deploy to QA', 'Rolling', 'Succeeded'],
        ['Deploy to Staging', 'BlueGreen', 'Succeeded'],
        ['Deploy to Production', 'Canary', 'Succeeded'],
        ['Complete', null, 'Succeeded'],
      ]);
      expect(gates).toEqual([
        [
          'Validate: Succeeded',
          'Verify: Succeeded',
          'Deploy to Development: Succeeded',
          'Deploy to QA: Succeeded',
          'Deploy to Staging: WaitingForApproval',
          'Deploy to Production: Pending',
          'Complete: Pending',
        ],
        [
          'Validate: Succeeded',
          'Verify: Succeeded',
          'Deploy to Development: Succeeded',
          'Deploy to QA: Succeeded',
          'Deploy to Staging: Succeeded',
          'Deploy to Production: WaitingForApproval',
          'Complete: Pending',
        ],
      ]);
      expect(done.approvals.map((a) => [a.environment, a.status, a.decisions.map((x) => x.by)])).toEqual([
        ['Staging', 'Approved', ['second-admin']],
        ['Production', 'Approved', ['second-admin']],
      ]);
      expect(done.stages.find((s) => s.name === 'Verify')?.message).toBe(
        'Digest and signature verified against a trusted key',
      );
      // Each environment deployed with its own strategy, on its own nodes.
      expect(ops(done, 'install').filter((n) => n.startsWith('sim-development-'))).toEqual(
        nodesOf('Development'),
      );
      expect(stageOf(done, 'QA')?.message).toContain('2 batch(es)');
      expect(ops(done, 'install').filter((n) => n.startsWith('sim-qa-'))).toEqual(nodesOf('QA'));
      expect(ops(done, 'stage')).toEqual(nodesOf('Staging'));
      expect(ops(done, 'activate')).toEqual(nodesOf('Staging'));
      expect(stageOf(done, 'Production')?.message).toContain('after 4 wave(s) (2, 6, 10, 20)');
      for (const environment of ENVIRONMENTS)
        expect(await activeVersions(environment)).toEqual(all(environment, version));
    });

    it('an environment already running the version healthily is Skipped', async () => {
      const version = await next();
      expect((await run(await deploy('Development', version))).status).toBe('Succeeded');
      const done = await run(await deploy('QA', version, { promotion: 'full' }));
      expect(done.status).toBe('Succeeded');
      expect(done.stages.map((s) => [s.name, s.status])).toEqual([
        ['Validate', 'Succeeded'],
        ['Verify', 'Succeeded'],
        ['Deploy to Development', 'Skipped'],
        ['Deploy to QA', 'Succeeded'],
        ['Complete', 'Succeeded'],
      ]);
      expect(stageOf(done, 'Development')?.message).toBe(
        `Every node of Development (3) already runs ${version} healthily`,
      );
      expect(new Set(done.nodeResults.map((r) => r.environment))).toEqual(new Set(['QA']));
      expect(await activeVersions('QA')).toEqual(all('QA', version));
    });

    it('QA failing (a fault on one QA node) → Staging and Production never start, Development keeps the new version', async () => {
      const before = {
        QA: await activeVersions('QA'),
        Staging: await activeVersions('Staging'),
        Production: await activeVersions('Production'),
      };
      const version = await next({ fault: { failInstall: [node('QA', 3)] } });
      const done = await run(
        await deploy('Production', version, { promotion: 'full', params: QUICK_CANARY }),
      );
      expect(done.status).toBe('RolledBack');
      expect(done.stages.map((s) => [s.name, s.status])).toEqual([
        ['Validate', 'Succeeded'],
        ['Verify', 'Succeeded'],
        ['Deploy to Development', 'Succeeded'],
        ['Deploy to QA', 'RolledBack'],
        ['Deploy to Staging', 'Cancelled'],
        ['Deploy to Production', 'Cancelled'],
        ['Complete', 'Cancelled'],
      ]);
      expect(stageOf(done, 'QA')?.message).toMatch(/Install failed in batch 2 of 2/);
      for (const environment of ['Staging', 'Production'])
        expect(stageOf(done, environment)?.message).toBe('Not started: an earlier stage did not succeed');
      // No gate ever opened, no node outside Development and QA was told anything.
      expect(done.approvals).toEqual([]);
      expect(new Set(done.nodeResults.map((r) => r.environment))).toEqual(new Set(['Development', 'QA']));
      expect(ops(done, 'install', 'failed')).toEqual([node('QA', 3)]);
      expect(ops(done, 'rollback')).toEqual([node('QA', 1), node('QA', 2), node('QA', 4)]);
      expect(await activeVersions('Development')).toEqual(all('Development', version));
      expect(await activeVersions('QA')).toEqual(before.QA);
      expect(await activeVersions('Staging')).toEqual(before.Staging);
      expect(await activeVersions('Production')).toEqual(before.Production);
    });
  });

  describe('acceptance 8: signature policy', () => {
    it('an unsigned version to Staging fails at Verify with the reason; no node changes', async () => {
      const before = Object.fromEntries(
        await Promise.all(ENVIRONMENTS.map(async (e) => [e, await activeVersions(e)] as const)),
      );
      const version = await next({ signed: false });
      const staging = await run(await deploy('Staging', version, { promotion: 'full' }));
      expect(staging.status).toBe('Failed');
      const verify = staging.stages.find((s) => s.name === 'Verify');
      expect(verify?.status).toBe('Failed');
      expect(verify?.message).toBe(`${MODULE}@${version} is unsigned; Staging requires signed modules`);
      expect(staging.statusReason).toBe(`Verify: ${verify?.message ?? ''}`);
      expect(staging.stages.filter((s) => s.kind === 'environment').map((s) => s.status)).toEqual([
        'Cancelled',
        'Cancelled',
        'Cancelled',
      ]);
      expect(staging.nodeResults).toEqual([]);
      const production = await run(await deploy('Production', version, { promotion: 'full' }));
      expect(production.stages.find((s) => s.name === 'Verify')?.message).toBe(
        `${MODULE}@${version} is unsigned; Staging, Production require signed modules`,
      );
      expect(production.nodeResults).toEqual([]);
      for (const environment of ENVIRONMENTS)
        expect(await activeVersions(environment)).toEqual(before[environment]);
    });

    it('the same unsigned version to Development passes Verify, recorded as unsigned', async () => {
      const version = await next({ signed: false });
      const done = await run(await deploy('Development', version, { promotion: 'full' }));
      expect(done.status).toBe('Succeeded');
      const verify = done.stages.find((s) => s.name === 'Verify');
      expect(verify?.status).toBe('Succeeded');
      expect(verify?.message).toBe('Digest verified; the version is unsigned (allowed on this path)');
      const registered = await request(t.server)
        .get(`/api/v1/modules/${MODULE}/versions/${version}`)
        .set(...bearer(admin));
      expect(registered.status).toBe(200);
      expect(registered.body.signed).toBe(false);
      expect(await activeVersions('Development')).toEqual(all('Development', version));
    });
  });

  describe('acceptance 9: manual rollback', () => {
    async function startRollback(id: string, body: Record<string, unknown> = {}) {
      return request(t.server)
        .post(`/api/v1/deployments/${id}/rollback`)
        .set(...bearer(admin))
        .send(body);
    }

    it('of a Development deployment: asynchronous (202 + a new deployment), Development nodes only, the nodes rolled back reported', async () => {
      const older = await next();
      const version = await next();
      expect((await run(await deploy('Development', older))).status).toBe('Succeeded');
      // Production has a previous version to fall back to: a rollback that went there would show.
      expect((await run(await deploy('Production', older, { strategy: 'Direct' }))).status).toBe('Succeeded');
      const original = await run(await deploy('Development', version));
      expect(original.status).toBe('Succeeded');
      const production = await slots('Production');
      expect([...production.values()].every((s) => s.previous !== null && s.previous !== s.active)).toBe(
        true,
      );
      const others = { QA: await slots('QA'), Staging: await slots('Staging') };

      const res = await startRollback(original.id);
      expect(res.status).toBe(202);
      const accepted = res.body as Deployment;
      expect(res.headers.location).toBe(`/api/v1/deployments/${accepted.id}`);
      expect(accepted.id).not.toBe(original.id);
      expect(accepted.kind).toBe('rollback');
      expect(accepted.rollbackOf).toBe(original.id);
      // Answered before the rollback ran (the original ran it first and answered 202 afterwards).
      expect(TERMINAL_STATUSES.has(accepted.status)).toBe(false);

      const done = await settle(accepted.id);
      expect(done.status).toBe('Succeeded');
      expect(done.stages.map((s) => [s.name, s.status])).toEqual([
        ['Roll back Development', 'Succeeded'],
        ['Complete', 'Succeeded'],
      ]);
      const message = stageOf(done, 'Development')?.message ?? '';
      expect(message).toMatch(/^Rolled back 3 node\(s\): [^;]*$/);
      expect(
        message
          .replace(/^[^:]*: /, '')
          .split(', ')
          .sort(),
      ).toEqual(nodesOf('Development'));
      expect(stageOf(done, 'Development')?.progress).toEqual(
        expect.objectContaining({ nodesTotal: 3, nodesUpdated: 3, nodesFailed: 0 }),
      );
      expect(
        done.nodeResults.map((r) => [
          r.environment,
          r.nodeName,
          r.operation,
          r.fromVersion,
          r.toVersion,
          r.status,
        ]),
      ).toEqual(
        expect.arrayContaining(
          nodesOf('Development').map((n) => ['Development', n, 'rollback', version, older, 'succeeded']),
        ),
      );
      expect(done.nodeResults).toHaveLength(3);
      expect(await activeVersions('Development')).toEqual(all('Development', older));
      expect(await slots('Production')).toEqual(production);
      expect(await slots('QA')).toEqual(others.QA);
      expect(await slots('Staging')).toEqual(others.Staging);
      expect((await detail(original.id)).rolledBackBy).toEqual([accepted.id]);
    });

    it('of a deployment that failed in QA: only Development, the one environment it left changed', async () => {
      const before = { Development: await activeVersions('Development') };
      const others = { Staging: await slots('Staging'), Production: await slots('Production') };
      const version = await next({ fault: { failInstall: [node('QA', 2)] } });
      const original = await run(
        await deploy('Production', version, { promotion: 'full', params: QUICK_CANARY }),
      );
      expect(original.status).toBe('RolledBack');
      expect(await activeVersions('Development')).toEqual(all('Development', version));
      const afterFailure = await slots('QA');

      const res = await startRollback(original.id);
      expect(res.status).toBe(202);
      const done = await settle((res.body as Deployment).id);
      expect(done.status).toBe('Succeeded');
      expect(done.stages.map((s) => s.name)).toEqual(['Roll back Development', 'Complete']);
      expect(new Set(done.nodeResults.map((r) => r.environment))).toEqual(new Set(['Development']));
      expect(await activeVersions('Development')).toEqual(before.Development);
      expect(await slots('QA')).toEqual(afterFailure);
      expect(await slots('Staging')).toEqual(others.Staging);
      expect(await slots('Production')).toEqual(others.Production);
    });

    it('reports only the nodes it actually rolled back: none when they already run the version', async () => {
      const older = await next();
      const version = await next();
      expect((await run(await deploy('Development', older))).status).toBe('Succeeded');
      const original = await run(await deploy('Development', version));
      expect(original.status).toBe('Succeeded');
      // Moved back to `older` since, by another deployment.
      expect((await run(await deploy('Development', older))).status).toBe('Succeeded');
      const res = await startRollback(original.id);
      expect(res.status).toBe(202);
      const done = await settle((res.body as Deployment).id);
      expect(done.status).toBe('Succeeded');
      expect(stageOf(done, 'Development')?.message).toBe('Rolled back 0 node(s); 3 already on the version');
      expect(done.nodeResults).toEqual([]);
      expect(await activeVersions('Development')).toEqual(all('Development', older));
    });

    it('toVersion restores any retained version, not only the previous one', async () => {
      const second = await next();
      const third = await next();
      expect((await run(await deploy('Development', second))).status).toBe('Succeeded');
      const original = await run(await deploy('Development', third));
      expect(original.status).toBe('Succeeded');
      // Every Development node's previous version is `second`; STABLE is older than that.
      expect([...(await slots('Development')).values()].map((s) => s.previous)).toEqual([
        second,
        second,
        second,
      ]);

      const unknown = await startRollback(original.id, { toVersion: '9.9.9' });
      expect(unknown.status).toBe(422);

      // Installing STABLE again now takes a while on the simulated nodes: the answer comes first.
      faults.push({ moduleName: MODULE, version: STABLE, installDelayMs: 1_500 });
      const slow = await request(t.server)
        .put('/api/v1/simulation/faults')
        .set(...bearer(admin))
        .send({ faults });
      expect(slow.status).toBe(200);
      const res = await startRollback(original.id, { toVersion: STABLE });
      expect(res.status).toBe(202);
      const id = (res.body as Deployment).id;
      expect(TERMINAL_STATUSES.has((res.body as Deployment).status)).toBe(false);
      expect(await activeVersions('Development')).toEqual(all('Development', third));
      const done = await settle(id);
      expect(done.status).toBe('Succeeded');
      expect(done.version).toBe(STABLE);
      // Not the previous slot: the version is installed again on each node.
      expect(ops(done, 'install')).toEqual(nodesOf('Development'));
      expect(done.nodeResults.every((r) => r.toVersion === STABLE && r.fromVersion === third)).toBe(true);
      expect(stageOf(done, 'Development')?.message).toMatch(/^Rolled back 3 node\(s\)/);
      expect(await activeVersions('Development')).toEqual(all('Development', STABLE));
    });

    it('toVersion cannot bring an unsigned version into an environment that requires signed modules', async () => {
      const older = await next();
      const signed = await next();
      const original = await run(await deploy('Staging', signed));
      expect(original.status).toBe('Succeeded');
      const unsigned = await next({ signed: false });
      const before = await slots('Staging');
      const res = await startRollback(original.id, { toVersion: unsigned });
      expect(res.status).toBe(422);
      expect(res.body.detail).toContain(`${MODULE}@${unsigned} is unsigned; Staging requires signed modules`);
      expect(await slots('Staging')).toEqual(before);
      expect((await detail(original.id)).rolledBackBy).toEqual([]);
      // A signed version it never ran is restored there.
      const res2 = await startRollback(original.id, { toVersion: older });
      expect(res2.status).toBe(202);
      expect((await settle((res2.body as Deployment).id)).status).toBe('Succeeded');
      expect(await activeVersions('Staging')).toEqual(all('Staging', older));
    });
  });
});
