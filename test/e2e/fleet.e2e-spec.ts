import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@hotswap/contracts';
import {
  HeartbeatIngestor,
  HeartbeatMonitor,
  NODE_DRIVER,
  PreviousSlotRetention,
  type NodeDriver,
} from '@hotswap/clusters';
import { Client } from 'pg';
import request from 'supertest';
import { ScriptedAgent } from './support/agent-client';
import { bearer, createUser, loginAdmin, type Session } from './support/auth';
import { sample } from './support/module-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const INTERVAL = 10_000;
const TIMEOUT = 30_000;
const metrics = (over: Record<string, number> = {}) => ({
  cpuPercent: 20,
  memoryPercent: 30,
  latencyP95Ms: 40,
  errorRate: 1,
  requestsPerSecond: 100,
  ...over,
});

describe('fleet: environments, enrollment, agent protocol, heartbeats, clusters (whole app)', () => {
  let t: TestApp;
  let baseUrl: string;
  let db: Client;
  let ADMIN: Session;
  let VIEWER: Session;
  const clock = new ManualClock(T0);

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: {
        HEARTBEAT_INTERVAL_MS: String(INTERVAL),
        FLEET_SIMULATION: 'false',
        AGENT_OPERATION_TIMEOUT_MS: '1000',
      },
    });
    await new Promise<void>((resolve) => t.server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(t.server.address() as AddressInfo).port}`;
    db = new Client({ connectionString: t.database.url });
    await db.connect();
    ADMIN = await loginAdmin(t.server);
    VIEWER = await createUser(t.server, ADMIN, 'vic', ['Viewer']);
  });

  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const api = () => request(t.server);

  async function token(environment: string, body: Record<string, unknown> = {}): Promise<string> {
    const res = await api()
      .post(`/api/v1/environments/${environment}/enrollment-tokens`)
      .set(...bearer(ADMIN))
      .send(body);
    expect(res.status).toBe(201);
    return res.body.token as string;
  }

  async function enroll(environment: string, name: string): Promise<{ nodeId: string; credential: string }> {
    const res = await api()
      .post('/api/v1/nodes/enroll')
      .send({ token: await token(environment), name, labels: { zone: 'eu-1' }, agentVersion: '0.1.0' });
    expect(res.status).toBe(201);
    return res.body as { nodeId: string; credential: string };
  }

  async function hello(agent: ScriptedAgent, nodeId: string): Promise<void> {
    agent.send({ type: 'hello', nodeId, agentVersion: '0.1.0', modules: [] });
    await agent.next('welcome');
  }

  async function node(id: string) {
    const res = await api()
      .get(`/api/v1/nodes/${id}`)
      .set(...bearer(VIEWER));
    expect(res.status).toBe(200);
    return res.body as Record<string, unknown>;
  }

  describe('environments', () => {
    it('seeds Development, QA, Staging and Production with the policies of product.md §3, by rank', async () => {
      const res = await api()
        .get('/api/v1/environments')
        .set(...bearer(VIEWER));
      expect(res.status).toBe(200);
      expect((res.body as { name: string }[]).map((e: { name: string }) => e.name)).toEqual([
        'Development',
        'QA',
        'Staging',
        'Production',
      ]);
      const [dev, qa, staging, prod] = res.body;
      expect(dev).toMatchObject({
        defaultStrategy: 'Direct',
        requireSignedModules: false,
        approvalPolicy: { required: false },
      });
      expect(qa).toMatchObject({
        defaultStrategy: 'Rolling',
        strategyDefaults: { Rolling: { batchSize: 2, healthCheckDelaySeconds: 30 } },
      });
      expect(staging).toMatchObject({
        defaultStrategy: 'BlueGreen',
        strategyDefaults: { BlueGreen: { smokeTestTimeoutSeconds: 300 } },
        approvalPolicy: { required: true },
        requireSignedModules: true,
      });
      expect(prod).toMatchObject({
        defaultStrategy: 'Canary',
        strategyDefaults: { Canary: { steps: [10, 30, 50, 100], stepWaitSeconds: 900 } },
        approvalPolicy: { required: true, quorum: 1, requesterMayApprove: false, timeoutSeconds: 86_400 },
        requireSignedModules: true,
        maxConcurrentDeployments: 5,
      });
    });

    it.each(['production', 'PRODUCTION', 'Production'])('finds %s case-insensitively', async (name) => {
      const res = await api()
        .get(`/api/v1/environments/${name}`)
        .set(...bearer(VIEWER));
      expect(res.status).toBe(200);
      expect(res.body.name).toBe('Production');
    });

    it('refuses strategy defaults the strategies themselves would refuse, naming each field', async () => {
      const res = await api()
        .patch('/api/v1/environments/Production')
        .set(...bearer(ADMIN))
        .send({
          strategyDefaults: {
            Direct: { retainPreviousSeconds: 86_401 },
            Rolling: { healthCheckDelaySeconds: 7_200 },
            Canary: { steps: [50, 10, 100], stepWaitSeconds: 100_000 },
          },
        });
      expect(res.status).toBe(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual([
        'strategyDefaults.Canary.stepWaitSeconds',
        'strategyDefaults.Canary.steps',
        'strategyDefaults.Direct.retainPreviousSeconds',
        'strategyDefaults.Rolling.healthCheckDelaySeconds',
      ]);
      // Nothing changed: deployments to Production still plan with its defaults.
      const prod = await api()
        .get('/api/v1/environments/Production')
        .set(...bearer(VIEWER));
      expect(prod.body.strategyDefaults).toMatchObject({
        Canary: { steps: [10, 30, 50, 100], stepWaitSeconds: 900 },
      });
      // Within the bounds, an environment sets how long its installs keep the replaced version loaded.
      const retained = await api()
        .patch('/api/v1/environments/Production')
        .set(...bearer(ADMIN))
        .send({ strategyDefaults: { Direct: { retainPreviousSeconds: 600 } } });
      expect(retained.status).toBe(200);
      expect(retained.body.strategyDefaults.Direct).toEqual({ retainPreviousSeconds: 600 });
    });

    it("sets an environment's canary thresholds and the bounds deployments must stay within", async () => {
      const created = await api()
        .post('/api/v1/environments')
        .set(...bearer(ADMIN))
        .send({ name: 'Thresholds', rank: 35, defaultStrategy: 'Canary' });
      expect(created.status).toBe(201);
      // The environment's own thresholds must lie within its bounds.
      const beyond = await api()
        .patch('/api/v1/environments/Thresholds')
        .set(...bearer(ADMIN))
        .send({
          strategyDefaults: { Canary: { thresholds: { errorRate: 80 }, thresholdBounds: { errorRate: 60 } } },
        });
      expect(beyond.status).toBe(400);
      expect(beyond.body.errors).toEqual([
        expect.objectContaining({ field: 'strategyDefaults.Canary.thresholds.errorRate' }),
      ]);
      const set = await api()
        .patch('/api/v1/environments/Thresholds')
        .set(...bearer(ADMIN))
        .send({
          strategyDefaults: { Canary: { thresholds: { errorRate: 20 }, thresholdBounds: { errorRate: 60 } } },
        });
      expect(set.status).toBe(200);
      expect(set.body.strategyDefaults.Canary).toMatchObject({
        thresholds: { errorRate: 20 },
        thresholdBounds: { errorRate: 60 },
      });
      // A deployment may move a threshold within the bound, not beyond it (a plan is refused as a
      // deployment would be, with the bound named).
      const plan = (thresholds: Record<string, number>) =>
        api()
          .post('/api/v1/deployments/plan')
          .set(...bearer(ADMIN))
          .send({
            moduleName: 'threshold-module',
            version: '1.0.0',
            targetEnvironment: 'Thresholds',
            promotion: 'target-only',
            strategyParams: { thresholds },
          });
      const refused = await plan({ errorRate: 80 });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([
        expect.objectContaining({
          field: 'strategyParams.thresholds',
          message: expect.stringContaining('≤ 60'),
        }),
      ]);
      // Within the bound the parameters pass (the module is unknown: 422, not a parameter error).
      expect((await plan({ errorRate: 60 })).status).toBe(422);
    });

    it('creates, patches, freezes and unfreezes an environment; conflicts are 409', async () => {
      const created = await api()
        .post('/api/v1/environments')
        .set(...bearer(ADMIN))
        .send({ name: 'Perf', rank: 25, defaultStrategy: 'Rolling' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        name: 'Perf',
        rank: 25,
        maxConcurrentDeployments: 5,
        frozen: false,
      });
      const again = await api()
        .post('/api/v1/environments')
        .set(...bearer(ADMIN))
        .send({ name: 'PERF', rank: 26 });
      expect(again.status).toBe(409);
      const rank = await api()
        .post('/api/v1/environments')
        .set(...bearer(ADMIN))
        .send({ name: 'Other', rank: 25 });
      expect(rank.status).toBe(409);
      const patched = await api()
        .patch('/api/v1/environments/perf')
        .set(...bearer(ADMIN))
        .send({
          maxConcurrentDeployments: 2,
          approvalPolicy: { required: true },
          strategyDefaults: { Rolling: { batchSize: 4 } },
        });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        maxConcurrentDeployments: 2,
        approvalPolicy: { required: true, quorum: 1 },
        strategyDefaults: { Rolling: { batchSize: 4 } },
      });
      const frozen = await api()
        .post('/api/v1/environments/Perf/freeze')
        .set(...bearer(ADMIN))
        .send({ reason: 'incident 42' });
      expect(frozen.body).toMatchObject({ frozen: true, frozenReason: 'incident 42', frozenBy: 'admin' });
      expect(
        (
          await api()
            .post('/api/v1/environments/Perf/freeze')
            .set(...bearer(ADMIN))
            .send({ reason: 'x' })
        ).status,
      ).toBe(409);
      const thawed = await api()
        .post('/api/v1/environments/Perf/unfreeze')
        .set(...bearer(ADMIN))
        .send({ reason: 'fixed' });
      expect(thawed.body.frozen).toBe(false);
    });

    it.each([
      [{ name: '123', rank: 90 }, 'name'],
      [{ name: 'Ok', rank: 0 }, 'rank'],
      [{ name: 'Ok', rank: 91, defaultStrategy: 'YOLO' }, 'defaultStrategy'],
      [
        { name: 'Ok', rank: 92, strategyDefaults: { Canary: { steps: [0, 200] } } },
        'strategyDefaults.Canary.steps',
      ],
    ])('refuses %j naming %s', async (body, field) => {
      const res = await api()
        .post('/api/v1/environments')
        .set(...bearer(ADMIN))
        .send(body);
      expect(res.status).toBe(400);
      expect((res.body.errors as { field: string }[]).map((e: { field: string }) => e.field)).toContain(
        field,
      );
    });
  });

  describe('enrollment and the agent protocol', () => {
    it('enrols, says hello, heartbeats, and acknowledges a pushed desired state with a report', async () => {
      const s = sample('payment-processor', '2.0.0');
      const published = await api()
        .post('/api/v1/modules/payment-processor/versions')
        .set(...bearer(ADMIN))
        .field('manifest', s.manifestText)
        .attach('artifact', s.artifact, { filename: 'index.js', contentType: 'application/javascript' });
      expect(published.status).toBe(201);

      const { nodeId, credential } = await enroll('Development', 'web-01.example.com');
      expect(credential).toMatch(/^hsnc_/);
      const stored = await db.query('SELECT credential_hash FROM nodes WHERE id = $1', [nodeId]);
      expect(stored.rows[0].credential_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(stored.rows[0].credential_hash).not.toContain(credential);
      expect((await node(nodeId)).status).toBe('Initializing');

      const agent = await ScriptedAgent.connect(baseUrl, credential);
      agent.send({ type: 'hello', nodeId, agentVersion: '0.1.1', modules: [] });
      expect(await agent.next('welcome')).toMatchObject({
        nodeId,
        heartbeatIntervalMs: INTERVAL,
        heartbeatTimeoutMs: TIMEOUT,
      });
      expect(await agent.next('desired')).toMatchObject({ generation: 0, modules: [] });

      agent.send({ type: 'heartbeat', nodeId, metrics: metrics() });
      await waitFor(async () => (await node(nodeId)).status === 'Running');
      const running = await node(nodeId);
      expect(running).toMatchObject({
        status: 'Running',
        agentVersion: '0.1.1',
        healthy: true,
        metrics: metrics(),
      });

      const driver = t.app.get<NodeDriver>(NODE_DRIVER);
      const ref = { id: nodeId, name: 'web-01.example.com', kind: 'agent' as const, environmentId: '' };
      const installing = driver.install(ref, 'payment-processor', '2.0.0');
      const desired = await agent.next('desired', (m) => (m.generation as number) > 0);
      expect(desired).toMatchObject({
        generation: 1,
        modules: [
          {
            moduleName: 'payment-processor',
            active: {
              version: '2.0.0',
              artifact: {
                sha256: published.body.sha256,
                url: '/api/v1/modules/payment-processor/versions/2.0.0/artifact',
              },
            },
            standby: null,
          },
        ],
      });
      agent.send({
        type: 'report',
        nodeId,
        generation: 1,
        results: [{ moduleName: 'payment-processor', ok: true }],
        modules: [
          {
            moduleName: 'payment-processor',
            activeVersion: '2.0.0',
            standbyVersion: null,
            previousVersion: null,
            state: 'Active',
          },
        ],
      });
      const result = await installing;
      expect(result).toMatchObject({ nodeId, ok: true, slots: { activeVersion: '2.0.0', state: 'Active' } });
      expect((await node(nodeId)).modules).toEqual([
        expect.objectContaining({
          moduleName: 'payment-processor',
          activeVersion: '2.0.0',
          desiredActiveVersion: '2.0.0',
        }),
      ]);

      const audit = await db.query(
        `SELECT action, result, details->>'to' AS "to" FROM audit_records WHERE resource_id = $1 ORDER BY seq`,
        [nodeId],
      );
      expect(audit.rows).toEqual([
        { action: 'node.enroll', result: 'success', to: null },
        { action: 'node.status_change', result: 'success', to: 'Running' },
      ]);

      // A reconnect resynchronises: the persisted desired state is sent again after hello.
      agent.close();
      await agent.closed;
      const again = await ScriptedAgent.connect(baseUrl, credential);
      again.send({ type: 'hello', nodeId, agentVersion: '0.1.1', modules: [] });
      expect(await again.next('desired')).toMatchObject({
        generation: 1,
        modules: [expect.objectContaining({ moduleName: 'payment-processor' })],
      });
      again.close();
    });

    it('fails an operation the agent does not acknowledge in time', async () => {
      const { nodeId, credential } = await enroll('Development', 'silent-01');
      const agent = await ScriptedAgent.connect(baseUrl, credential);
      await hello(agent, nodeId);
      const driver = t.app.get<NodeDriver>(NODE_DRIVER);
      const result = await driver.install(
        { id: nodeId, name: 'silent-01', kind: 'agent', environmentId: '' },
        'payment-processor',
        '2.0.0',
      );
      expect(result).toMatchObject({ ok: false, error: expect.stringContaining('not acknowledged') });
      agent.close();
    });

    it.each([
      [
        'used up',
        async () => {
          const value = await token('QA', { uses: 1 });
          expect(
            (
              await api()
                .post('/api/v1/nodes/enroll')
                .send({ token: value, name: 'first', agentVersion: '1' })
            ).status,
          ).toBe(201);
          return value;
        },
      ],
      [
        'expired',
        async () => {
          const value = await token('QA', { ttlSeconds: 60 });
          clock.advance(61_000);
          return value;
        },
      ],
      ['unknown', () => Promise.resolve('hset_not-a-token')],
    ])('refuses a %s token with 401 problem+json', async (_name, makeToken) => {
      const value = await makeToken();
      const res = await api()
        .post('/api/v1/nodes/enroll')
        .send({ token: value, name: `n-${randomUUID().slice(0, 8)}`, agentVersion: '1' });
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.code).toBe('enrollment_token_invalid');
    });

    it.each([
      ['no credential', undefined],
      ['a wrong credential', 'hsnc_wrong'],
      ['a user token shape', 'eyJhbGciOi.x.y'],
    ])('refuses the upgrade with 401 for %s', async (_name, credential) => {
      await expect(ScriptedAgent.connect(baseUrl, credential)).rejects.toThrow('upgrade refused: 401');
    });

    it('keeps the replaced version loaded for the retention, then tells the agent to unload it', async () => {
      for (const version of ['2.0.0', '2.1.0']) {
        const s = sample('payment-processor', version);
        const res = await api()
          .post('/api/v1/modules/payment-processor/versions')
          .set(...bearer(ADMIN))
          .field('manifest', s.manifestText)
          .attach('artifact', s.artifact, { filename: 'index.js', contentType: 'application/javascript' });
        expect([201, 409]).toContain(res.status);
      }
      const { nodeId, credential } = await enroll('Development', 'retainer-01');
      const agent = await ScriptedAgent.connect(baseUrl, credential);
      await hello(agent, nodeId);
      const driver = t.app.get<NodeDriver>(NODE_DRIVER);
      const ref = { id: nodeId, name: 'retainer-01', kind: 'agent' as const, environmentId: '' };
      const state = (active: string, previous: string | null, previousLoaded: boolean) => ({
        moduleName: 'payment-processor',
        activeVersion: active,
        standbyVersion: null,
        previousVersion: previous,
        previousLoaded,
        state: 'Active',
      });
      const report = (generation: number, module: ReturnType<typeof state>) =>
        agent.send({
          type: 'report',
          nodeId,
          generation,
          results: [{ moduleName: 'payment-processor', ok: true }],
          modules: [module],
        });
      const desiredAt = (generation: number) => agent.next('desired', (m) => m.generation === generation);

      const first = driver.install(ref, 'payment-processor', '2.0.0');
      expect(await desiredAt(1)).toMatchObject({
        modules: [{ active: { version: '2.0.0' }, previous: null }],
      });
      report(1, state('2.0.0', null, false));
      expect(await first).toMatchObject({ ok: true });

      const installedAt = clock.now().getTime();
      const second = driver.install(ref, 'payment-processor', '2.1.0', { retainPreviousSeconds: 30 });
      // The agent is told to keep 2.0.0 loaded as its previous version (instant rollback).
      expect(await desiredAt(2)).toMatchObject({
        modules: [
          {
            active: { version: '2.1.0' },
            standby: null,
            previous: { version: '2.0.0' },
          },
        ],
      });
      report(2, state('2.1.0', '2.0.0', true));
      expect(await second).toMatchObject({ ok: true });
      const until = new Date(installedAt + 30_000).toISOString();
      expect((await node(nodeId)).modules).toEqual([
        expect.objectContaining({
          activeVersion: '2.1.0',
          previousVersion: '2.0.0',
          previousLoaded: true,
          previousRetainedUntil: until,
          desiredPreviousVersion: '2.0.0',
        }),
      ]);

      // Before the deadline the sweep leaves it as it is.
      clock.advance(29_000);
      await t.app.get(PreviousSlotRetention).sweep();
      expect((await node(nodeId)).modules).toEqual([
        expect.objectContaining({ previousRetainedUntil: until, desiredPreviousVersion: '2.0.0' }),
      ]);

      // Past it: a new generation stops naming the previous version; the agent unloads it and says so.
      clock.advance(2_000);
      await t.app.get(PreviousSlotRetention).sweep();
      expect(await desiredAt(3)).toMatchObject({
        modules: [{ active: { version: '2.1.0' }, standby: null, previous: null }],
      });
      report(3, state('2.1.0', '2.0.0', false));
      await waitFor(
        async () =>
          ((await node(nodeId)).modules as { previousLoaded: boolean }[])[0]?.previousLoaded === false,
      );
      expect((await node(nodeId)).modules).toEqual([
        expect.objectContaining({
          activeVersion: '2.1.0',
          previousVersion: '2.0.0',
          previousLoaded: false,
          previousRetainedUntil: null,
          desiredPreviousVersion: null,
        }),
      ]);
      agent.close();
    });

    it('refuses a credential acting as another node, audits it and closes the socket', async () => {
      const mine = await enroll('QA', 'mallory-01');
      const victim = await enroll('QA', 'victim-01');
      const agent = await ScriptedAgent.connect(baseUrl, mine.credential);
      await hello(agent, mine.nodeId);
      agent.send({ type: 'heartbeat', nodeId: victim.nodeId, metrics: metrics({ errorRate: 99 }) });
      expect(await agent.next('error')).toMatchObject({ code: 'forbidden' });
      expect((await agent.closed).code).toBe(4403);
      const audited = await db.query(
        `SELECT result, actor_kind, actor_id, resource_id, details FROM audit_records WHERE action = 'node.impersonation'`,
      );
      expect(audited.rows).toEqual([
        expect.objectContaining({
          result: 'failure',
          actor_kind: 'node',
          actor_id: mine.nodeId,
          resource_id: victim.nodeId,
        }),
      ]);
      expect((await node(victim.nodeId)).metrics).toBeNull();
    });
  });

  describe('heartbeats and health', () => {
    it('turns a silent node Unknown after the timeout and counts it unhealthy in the clusters view', async () => {
      const { nodeId, credential } = await enroll('Staging', 'stg-01');
      const agent = await ScriptedAgent.connect(baseUrl, credential);
      await hello(agent, nodeId);
      agent.send({ type: 'heartbeat', nodeId, metrics: metrics() });
      await waitFor(async () => (await node(nodeId)).status === 'Running');
      const monitor = t.app.get(HeartbeatMonitor);
      const clusterOf = async () =>
        (
          (
            await api()
              .get('/api/v1/clusters')
              .set(...bearer(VIEWER))
          ).body as {
            environment: string;
          }[]
        ).find((c: { environment: string }) => c.environment === 'Staging');
      expect(await clusterOf()).toEqual({
        environment: 'Staging',
        totalNodes: 1,
        healthyNodes: 1,
        unhealthyNodes: 0,
        isHealthy: true,
      });

      clock.advance(TIMEOUT); // exactly the timeout: still fresh
      await monitor.sweep();
      expect((await node(nodeId)).status).toBe('Running');
      clock.advance(1);
      expect(await monitor.sweep()).toBeGreaterThanOrEqual(1);
      expect(await node(nodeId)).toMatchObject({ status: 'Unknown', healthy: false });
      expect(await clusterOf()).toEqual({
        environment: 'Staging',
        totalNodes: 1,
        healthyNodes: 0,
        unhealthyNodes: 1,
        isHealthy: false,
      });
      const events = await db.query(`SELECT type, payload FROM events WHERE node_id = $1 ORDER BY seq`, [
        nodeId,
      ]);
      expect(events.rows.map((r: { type: string }) => r.type)).toEqual([
        'node.registered',
        'node.status_changed',
        'node.heartbeat_lost',
        'node.status_changed',
      ]);
      expect(events.rows[3].payload).toMatchObject({ from: 'Running', status: 'Unknown' });

      // The next heartbeat brings it back.
      agent.send({ type: 'heartbeat', nodeId, metrics: metrics() });
      await waitFor(async () => (await node(nodeId)).status === 'Running');
      agent.close();
    });

    it('marks a node over a threshold Unhealthy with the reason', async () => {
      const { nodeId, credential } = await enroll('Staging', 'stg-02');
      const agent = await ScriptedAgent.connect(baseUrl, credential);
      await hello(agent, nodeId);
      agent.send({ type: 'heartbeat', nodeId, metrics: metrics({ errorRate: 7.5 }) });
      await waitFor(async () => (await node(nodeId)).status === 'Unhealthy');
      expect((await node(nodeId)).statusReason).toBe('error rate 7.50% ≥ 5%');
      agent.close();
    });
  });

  describe('clusters view from known samples', () => {
    it('averages the latest samples and buckets the history exactly', async () => {
      const env = await db.query(`SELECT id FROM environments WHERE name = 'Production'`);
      const environmentId = env.rows[0].id as string;
      const a = await enroll('Production', 'prod-a');
      const b = await enroll('Production', 'prod-b');
      const ingestor = t.app.get(HeartbeatIngestor);
      const start = Date.UTC(2030, 5, 1, 10, 0, 0);
      const beat = async (at: number, nodeId: string, m: Record<string, number>) => {
        clock.set(new Date(at));
        await ingestor.ingest({ nodeId, environmentId, kind: 'agent', metrics: metrics(m) });
      };
      // Bucket 10:00 (1m): a 10/20, b 30/40. Bucket 10:02: a 50. Bucket 10:03: b 70 (both fresh at the end).
      await beat(start + 5_000, a.nodeId, { cpuPercent: 10, errorRate: 1 });
      await beat(start + 15_000, b.nodeId, { cpuPercent: 30, errorRate: 3 });
      await beat(start + 25_000, a.nodeId, { cpuPercent: 20, errorRate: 2 });
      await beat(start + 35_000, b.nodeId, { cpuPercent: 40, errorRate: 4 });
      await beat(start + 175_000, a.nodeId, { cpuPercent: 50, latencyP95Ms: 100 });
      await beat(start + 185_000, b.nodeId, { cpuPercent: 70, latencyP95Ms: 300, requestsPerSecond: 50 });

      const detail = await api()
        .get('/api/v1/clusters/production')
        .set(...bearer(VIEWER));
      expect(detail.status).toBe(200);
      expect(detail.body).toMatchObject({
        environment: 'Production',
        totalNodes: 2,
        healthyNodes: 2,
        unhealthyNodes: 0,
        metrics: {
          avgCpuUsage: 60,
          avgMemoryUsage: 30,
          avgLatency: 200,
          errorRate: 1,
          requestsPerSecond: 150,
        },
      });
      expect(
        (detail.body.nodes as { hostname: string }[]).map((n: { hostname: string }) => n.hostname),
      ).toEqual(['prod-a', 'prod-b']);

      const series = await api()
        .get('/api/v1/clusters/Production/metrics')
        .query({
          from: new Date(start).toISOString(),
          to: new Date(start + 300_000).toISOString(),
          interval: '1m',
        })
        .set(...bearer(VIEWER));
      expect(series.status).toBe(200);
      expect(series.body).toEqual({
        environment: 'Production',
        interval: '1m',
        dataPoints: [
          {
            timestamp: '2030-06-01T10:00:00.000Z',
            cpuUsage: 25,
            memoryUsage: 30,
            latency: 40,
            errorRate: 2.5,
            requestsPerSecond: 100,
            samples: 4,
          },
          {
            timestamp: '2030-06-01T10:02:00.000Z',
            cpuUsage: 50,
            memoryUsage: 30,
            latency: 100,
            errorRate: 1,
            requestsPerSecond: 100,
            samples: 1,
          },
          {
            timestamp: '2030-06-01T10:03:00.000Z',
            cpuUsage: 70,
            memoryUsage: 30,
            latency: 300,
            errorRate: 1,
            requestsPerSecond: 50,
            samples: 1,
          },
        ],
      });
      const fiveMinutes = await api()
        .get('/api/v1/clusters/Production/metrics')
        .query({ from: new Date(start).toISOString(), to: new Date(start + 300_000).toISOString() })
        .set(...bearer(VIEWER));
      expect(fiveMinutes.body.interval).toBe('5m');
      expect(fiveMinutes.body.dataPoints).toEqual([
        expect.objectContaining({
          timestamp: '2030-06-01T10:00:00.000Z',
          cpuUsage: (10 + 30 + 20 + 40 + 50 + 70) / 6,
          samples: 6,
        }),
      ]);
    });
  });

  describe('bad input is problem+json', () => {
    const from = '2030-01-01T00:00:00.000Z';
    it.each([
      ['unknown environment (clusters)', '/api/v1/clusters/Nowhere', 404],
      ['unknown environment (metrics)', '/api/v1/clusters/Nowhere/metrics', 404],
      ['a number is not a name', '/api/v1/environments/2', 404],
      ['a number is not a cluster', '/api/v1/clusters/3', 404],
      ['unknown interval', '/api/v1/clusters/QA/metrics?interval=2m', 400],
      ['from = to', `/api/v1/clusters/QA/metrics?from=${from}&to=${from}`, 400],
      ['from after to', `/api/v1/clusters/QA/metrics?from=2030-01-02T00:00:00Z&to=${from}`, 400],
      [
        'too many points',
        `/api/v1/clusters/QA/metrics?from=${from}&to=2030-02-01T00:00:00Z&interval=1m`,
        400,
      ],
      ['not a date', '/api/v1/clusters/QA/metrics?from=yesterday', 400],
      ['unknown node', `/api/v1/nodes/${randomUUID()}`, 404],
      ['a node id that is no uuid', '/api/v1/nodes/not-a-node', 404],
      ['unknown status filter', '/api/v1/nodes?status=Sleeping', 400],
      ['unknown environment filter', '/api/v1/nodes?environment=Nowhere', 404],
    ])('%s: GET %s → %i', async (_name, path, status) => {
      const res = await api()
        .get(path)
        .set(...bearer(VIEWER));
      expect(res.status).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.status).toBe(status);
    });

    it('lists nodes filtered by environment, label and kind, paginated', async () => {
      const first = await api()
        .get('/api/v1/nodes?environment=qa&kind=agent&label=zone=eu-1&limit=1')
        .set(...bearer(VIEWER));
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(1);
      const second = await api()
        .get(
          `/api/v1/nodes?environment=qa&kind=agent&label=zone=eu-1&limit=1&cursor=${first.body.nextCursor}`,
        )
        .set(...bearer(VIEWER));
      expect(second.body.items[0].name > first.body.items[0].name).toBe(true);
    });

    it('drains and decommissions a node; its credential stops working', async () => {
      const { nodeId, credential } = await enroll('Development', 'retire-01');
      const drained = await api()
        .post(`/api/v1/nodes/${nodeId}/drain`)
        .set(...bearer(ADMIN))
        .send({ reason: 'maintenance' });
      expect(drained.body).toMatchObject({ status: 'Draining', statusReason: 'maintenance' });
      expect(
        (
          await api()
            .post(`/api/v1/nodes/${nodeId}/drain`)
            .set(...bearer(ADMIN))
            .send({})
        ).status,
      ).toBe(409);
      expect(
        (
          await api()
            .delete(`/api/v1/nodes/${nodeId}`)
            .set(...bearer(ADMIN))
        ).status,
      ).toBe(204);
      expect(
        (
          await api()
            .get(`/api/v1/nodes/${nodeId}`)
            .set(...bearer(VIEWER))
        ).status,
      ).toBe(404);
      await expect(ScriptedAgent.connect(baseUrl, credential)).rejects.toThrow('upgrade refused: 401');
    });
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
