import {
  NODE_DRIVER,
  SimulatedFleet,
  simulatedMetrics,
  type NodeDriver,
  type NodeRef,
} from '@hotswap/clusters';
import request from 'supertest';
import { bearer, loginAdmin, type Session } from './support/auth';
import { sample } from './support/module-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

const SEED = 7;
const TRIPLE = { faults: [{ moduleName: 'payment-processor', version: '2.1.0', errorRateMultiplier: 3 }] };

interface NodeBody {
  id: string;
  name: string;
  kind: string;
  status: string;
  healthy: boolean;
  metrics: Record<string, number>;
  modules: {
    moduleName: string;
    activeVersion: string | null;
    previousVersion: string | null;
    state: string;
  }[];
}

/** One app with a simulated Production of 20 nodes, its timer stopped: heartbeats are driven by the test. */
async function startSimulation(): Promise<{
  t: TestApp;
  admin: Session;
  fleet: SimulatedFleet;
  driver: NodeDriver;
  refs: NodeRef[];
}> {
  const t = await startTestApp({
    env: {
      FLEET_SIMULATION: 'true',
      FLEET_SIMULATION_NODES: '0,0,0,20',
      FLEET_SIMULATION_SEED: String(SEED),
    },
  });
  const fleet = t.app.get(SimulatedFleet);
  fleet.stop();
  const admin = await loginAdmin(t.server);
  for (const version of ['2.0.0', '2.1.0']) {
    const s = sample('payment-processor', version);
    const res = await request(t.server)
      .post('/api/v1/modules/payment-processor/versions')
      .set(...bearer(admin))
      .field('manifest', s.manifestText)
      .attach('artifact', s.artifact, { filename: 'index.js', contentType: 'application/javascript' });
    expect(res.status).toBe(201);
  }
  const list = await request(t.server)
    .get('/api/v1/nodes?environment=Production&limit=200')
    .set(...bearer(admin));
  const refs = (list.body.items as NodeBody[]).map((n) => ({
    id: n.id,
    name: n.name,
    kind: 'simulated' as const,
    environmentId: '',
  }));
  return { t, admin, fleet, driver: t.app.get<NodeDriver>(NODE_DRIVER), refs };
}

async function nodes(t: TestApp, admin: Session): Promise<NodeBody[]> {
  const res = await request(t.server)
    .get('/api/v1/nodes?environment=Production&limit=200')
    .set(...bearer(admin));
  expect(res.status).toBe(200);
  return res.body.items as NodeBody[];
}

describe('simulated fleet (whole app)', () => {
  let run: Awaited<ReturnType<typeof startSimulation>>;

  beforeAll(async () => {
    run = await startSimulation();
  });

  afterAll(async () => {
    await run.t.close();
  });

  it('seeds the configured simulated nodes, which heartbeat through the ingestion path', async () => {
    expect(run.refs.map((r) => r.name)).toEqual(
      Array.from({ length: 20 }, (_, i) => `sim-production-${String(i + 1).padStart(5, '0')}`),
    );
    // Every simulated node reported once at start-up, through the same ingestion path as agents.
    const atStart = await nodes(run.t, run.admin);
    expect(atStart.every((n) => n.status === 'Running' && n.kind === 'simulated')).toBe(true);
    expect(run.refs.every((r) => run.fleet.beatsOf(r.id) === 1)).toBe(true);
    await run.fleet.beatAll();
    expect(run.refs.every((r) => run.fleet.beatsOf(r.id) === 2)).toBe(true);
    const after = await nodes(run.t, run.admin);
    expect(after.every((n) => n.status === 'Running' && n.healthy)).toBe(true);
    const cluster = await request(run.t.server)
      .get('/api/v1/clusters/Production')
      .set(...bearer(run.admin));
    expect(cluster.body).toMatchObject({ totalNodes: 20, healthyNodes: 20, isHealthy: true });
  });

  it('persists module operations in the node slots (install, rollback, stage/activate)', async () => {
    const [first, second] = run.refs;
    if (first === undefined || second === undefined) throw new Error('no nodes');
    expect(await run.driver.install(first, 'payment-processor', '2.0.0')).toMatchObject({
      ok: true,
      slots: { activeVersion: '2.0.0' },
    });
    expect(await run.driver.install(first, 'payment-processor', '2.1.0')).toMatchObject({
      ok: true,
      slots: { activeVersion: '2.1.0', previousVersion: '2.0.0' },
    });
    expect(await run.driver.rollback(first, 'payment-processor')).toMatchObject({
      ok: true,
      slots: { activeVersion: '2.0.0', previousVersion: null },
    });
    await run.driver.install(second, 'payment-processor', '2.0.0');
    expect(await run.driver.stage(second, 'payment-processor', '2.1.0')).toMatchObject({
      slots: { activeVersion: '2.0.0', standbyVersion: '2.1.0', state: 'Staged' },
    });
    expect(await run.driver.activate(second, 'payment-processor')).toMatchObject({
      slots: { activeVersion: '2.1.0', previousVersion: '2.0.0' },
    });
    const stored = (await nodes(run.t, run.admin)).find((n) => n.id === second.id);
    expect(stored?.modules).toEqual([
      expect.objectContaining({
        moduleName: 'payment-processor',
        activeVersion: '2.1.0',
        previousVersion: '2.0.0',
        state: 'Active',
      }),
    ]);
    await run.driver.rollback(second, 'payment-processor');
  });

  it('shifts exactly the nodes running payment-processor@2.1.0 by the fault profile (error rate × 3)', async () => {
    for (const ref of run.refs) await run.driver.install(ref, 'payment-processor', '2.0.0');
    const canaries = run.refs.slice(0, 5);
    for (const ref of canaries) await run.driver.install(ref, 'payment-processor', '2.1.0');
    const put = await request(run.t.server)
      .put('/api/v1/simulation/faults')
      .set(...bearer(run.admin))
      .send(TRIPLE);
    expect(put.status).toBe(200);
    expect(
      (
        await request(run.t.server)
          .get('/api/v1/simulation/faults')
          .set(...bearer(run.admin))
      ).body,
    ).toEqual(TRIPLE);

    const beat = run.fleet.beatsOf(canaries[0]?.id ?? '');
    await run.fleet.beatAll();
    const observed = await nodes(run.t, run.admin);
    const canaryIds = new Set(canaries.map((c) => c.id));
    for (const node of observed) {
      const version = canaryIds.has(node.id) ? '2.1.0' : '2.0.0';
      const active = new Map([['payment-processor', version]]);
      const plain = simulatedMetrics(SEED, node.name, beat, active, []);
      const faulted = simulatedMetrics(SEED, node.name, beat, active, TRIPLE.faults);
      expect(node.metrics).toEqual(faulted);
      if (canaryIds.has(node.id)) expect(node.metrics.errorRate).toBeCloseTo(plain.errorRate * 3, 2);
      else expect(node.metrics).toEqual(plain);
    }
    expect(
      observed
        .filter(
          (n) =>
            n.metrics.errorRate !==
            simulatedMetrics(SEED, n.name, beat, new Map([['payment-processor', '2.0.0']]), []).errorRate,
        )
        .map((n) => n.id)
        .sort(),
    ).toEqual([...canaryIds].sort());
  });

  it.each([
    ['all', 'all' as const, 20],
    ['a count', 3, 3],
    ['node names', ['sim-production-00002', 'sim-production-00004'], 2],
  ])(
    'failInstall by %s fails exactly those installs and leaves the node on its version',
    async (_name, failInstall, failures) => {
      await request(run.t.server)
        .put('/api/v1/simulation/faults')
        .set(...bearer(run.admin))
        .send({ faults: [{ moduleName: 'payment-processor', version: '2.1.0', failInstall }] });
      for (const ref of run.refs) await run.driver.install(ref, 'payment-processor', '2.0.0');
      const results = await Promise.all(
        run.refs.map((ref) => run.driver.install(ref, 'payment-processor', '2.1.0')),
      );
      expect(results.filter((r) => !r.ok)).toHaveLength(failures);
      if (Array.isArray(failInstall)) {
        const failedNames = results
          .filter((r) => !r.ok)
          .map((r) => run.refs.find((ref) => ref.id === r.nodeId)?.name);
        expect(failedNames.sort()).toEqual(failInstall);
      }
      const after = await nodes(run.t, run.admin);
      for (const r of results.filter((x) => !x.ok)) {
        expect(after.find((n) => n.id === r.nodeId)?.modules[0]?.activeVersion).toBe('2.0.0');
      }
    },
  );

  it('unhealthyAfterInstall makes the installed nodes fail health and turn Unhealthy on their next heartbeat', async () => {
    await request(run.t.server)
      .put('/api/v1/simulation/faults')
      .set(...bearer(run.admin))
      .send({
        faults: [
          {
            moduleName: 'payment-processor',
            version: '2.1.0',
            unhealthyAfterInstall: true,
            installDelayMs: 50,
          },
        ],
      });
    const [bad, good] = run.refs;
    if (bad === undefined || good === undefined) throw new Error('no nodes');
    await run.driver.install(good, 'payment-processor', '2.0.0');
    const installed = await run.driver.install(bad, 'payment-processor', '2.1.0');
    expect(installed.ok).toBe(true);
    expect(installed.durationMs).toBeGreaterThanOrEqual(50);
    expect((await run.driver.health(bad, 'payment-processor')).healthy).toBe(false);
    await run.fleet.beatAll();
    const after = await nodes(run.t, run.admin);
    expect(after.find((n) => n.id === bad.id)).toMatchObject({ status: 'Unhealthy', healthy: false });
    expect(after.find((n) => n.id === good.id)).toMatchObject({ status: 'Running', healthy: true });
    expect((await run.driver.health(good, 'payment-processor')).healthy).toBe(true);
    const cleared = await request(run.t.server)
      .delete('/api/v1/simulation/faults')
      .set(...bearer(run.admin));
    expect(cleared.status).toBe(204);
  });

  it('refuses an invalid fault set with every field error', async () => {
    const res = await request(run.t.server)
      .put('/api/v1/simulation/faults')
      .set(...bearer(run.admin))
      .send({ faults: [{ moduleName: 'X', version: '1', failInstall: 'some', errorRateMultiplier: -1 }] });
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual([
      'faults.0.errorRateMultiplier',
      'faults.0.failInstall',
      'faults.0.moduleName',
    ]);
  });
});

describe('simulated fleet determinism across runs', () => {
  it('two fresh installations with the same seed report identical metrics per node', async () => {
    const snapshot = async () => {
      const r = await startSimulation();
      try {
        for (const ref of r.refs.slice(0, 5)) await r.driver.install(ref, 'payment-processor', '2.1.0');
        await request(r.t.server)
          .put('/api/v1/simulation/faults')
          .set(...bearer(r.admin))
          .send(TRIPLE);
        await r.fleet.beatAll();
        await r.fleet.beatAll();
        return Object.fromEntries((await nodes(r.t, r.admin)).map((n) => [n.name, n.metrics]));
      } finally {
        await r.t.close();
      }
    };
    const first = await snapshot();
    const second = await snapshot();
    expect(Object.keys(first)).toHaveLength(20);
    expect(second).toEqual(first);
  });
});

describe('simulation off', () => {
  it('answers the fault routes with 409 problem+json', async () => {
    const t = await startTestApp({ env: { FLEET_SIMULATION: 'false' } });
    try {
      const viewer = await request(t.server).get('/api/v1/simulation/faults');
      expect(viewer.status).toBe(401);
      const res = await request(t.server)
        .get('/api/v1/simulation/faults')
        .set(...bearer(await loginAdmin(t.server)));
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('simulation_disabled');
    } finally {
      await t.close();
    }
  });
});
