import request from 'supertest';
import { bearer, createUser, loginAdmin, type Session } from './support/auth';
import { sample } from './support/module-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

interface ImpactBody {
  runningOn: { environments: string[]; nodes: { name: string; environment: string; version: string }[] };
  dependents: {
    module: string;
    version: string;
    range: string;
    dependsOn: string;
    environments: string[];
    nodes: { name: string }[];
  }[];
  activeDeployments: { id: string; module: string }[];
}

describe('knowledge graph: the topology mirror and impact analysis on a real fleet', () => {
  let t: TestApp;
  let admin: Session;
  let viewer: Session;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: '2,0,0,0',
        HEARTBEAT_INTERVAL_MS: '200',
        QUEUE_POLLING_INTERVAL_MS: '500',
      },
    });
    admin = await loginAdmin(t.server);
    viewer = await createUser(t.server, admin, 'topo-viewer', ['Viewer']);
    for (const [name, version] of [
      ['payment-processor', '2.0.0'],
      ['inventory-service', '1.4.0'],
    ] as const) {
      const s = sample(name, version);
      const res = await request(t.server)
        .post(`/api/v1/modules/${name}/versions`)
        .set(...bearer(admin))
        .field('manifest', s.manifestText)
        .attach('artifact', s.artifact, { filename: 'index.js', contentType: 'application/javascript' });
      expect(res.status).toBe(201);
    }
  });

  afterAll(async () => {
    await t.close();
  });

  async function deploy(moduleName: string, version: string): Promise<void> {
    const res = await request(t.server)
      .post('/api/v1/deployments')
      .set(...bearer(admin))
      .send({
        moduleName,
        version,
        targetEnvironment: 'Development',
        strategyParams: { verifyWindowSeconds: 0 },
      });
    expect(res.status).toBe(202);
    const id = (res.body as { id: string }).id;
    const started = Date.now();
    for (;;) {
      const d = await request(t.server)
        .get(`/api/v1/deployments/${id}`)
        .set(...bearer(viewer));
      const status = (d.body as { status: string }).status;
      if (status === 'Succeeded') return;
      if (['Failed', 'RolledBack', 'Cancelled'].includes(status) || Date.now() - started > 60_000) {
        throw new Error(`deployment of ${moduleName} ended ${status}: ${JSON.stringify(d.body)}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  it('lists inventory-service (its range, environments and nodes) in the impact of payment-processor, also in the deployment plan', async () => {
    // No rebuild yet: the publications' events put the mirror behind, and the impact query syncs it.
    const published = await request(t.server)
      .get('/api/v1/graph/impact?module=payment-processor&version=2.0.0')
      .set(...bearer(viewer));
    expect((published.body as ImpactBody).dependents.map((d) => [d.module, d.range])).toEqual([
      ['inventory-service', '^2.0.0'],
    ]);
    expect((published.body as ImpactBody).runningOn.nodes).toEqual([]);

    await deploy('payment-processor', '2.0.0');
    await deploy('inventory-service', '1.4.0');
    // The mirror follows the event log; an explicit rebuild makes the test independent of its timing
    // (and of when the simulated nodes report the new versions).
    const started = Date.now();
    let impact: ImpactBody;
    for (;;) {
      await request(t.server)
        .post('/api/v1/graph/topology/rebuild')
        .set(...bearer(admin))
        .expect(200);
      const res = await request(t.server)
        .get('/api/v1/graph/impact?module=payment-processor&version=2.0.0')
        .set(...bearer(viewer));
      expect(res.status).toBe(200);
      impact = res.body as ImpactBody;
      if (impact.dependents[0]?.nodes.length === 2 || Date.now() - started > 30_000) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(impact.runningOn.environments).toEqual(['Development']);
    expect(impact.runningOn.nodes).toHaveLength(2);
    expect(impact.dependents).toEqual([
      expect.objectContaining({
        module: 'inventory-service',
        version: '1.4.0',
        dependsOn: 'payment-processor',
        range: '^2.0.0',
        environments: ['Development'],
      }),
    ]);
    expect(impact.dependents[0]?.nodes.map((n) => n.name).sort()).toEqual(
      impact.runningOn.nodes.map((n) => n.name).sort(),
    );

    const plan = await request(t.server)
      .post('/api/v1/deployments/plan')
      .set(...bearer(admin))
      .send({ moduleName: 'payment-processor', version: '2.0.0', targetEnvironment: 'Development' });
    expect(plan.status).toBe(200);
    expect((plan.body as { impact: ImpactBody }).impact.dependents.map((d) => d.module)).toEqual([
      'inventory-service',
    ]);
  });
});
