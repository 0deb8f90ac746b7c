import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../apps/api/src/schema';
import { bearer, createUser, loginAdmin, type Session } from './support/auth';
import { makeKey, signModule } from './support/module-fixtures';
import { startTestApp, type TestApp } from './support/test-app';

interface StageBody {
  name: string;
  environment: string | null;
  status: string;
  message: string | null;
}
interface DeploymentBody {
  id: string;
  status: string;
  statusReason: string | null;
  stages: StageBody[];
  approvals: { environment: string; status: string; approvals: number; decisions: { decision: string }[] }[];
}
interface GateBody {
  id: string;
  deploymentId: string;
  environment: string;
  status: string;
  quorum: number;
  approvals: number;
  expiresAt: string;
  timeRemaining: string | null;
  closedBy: string | null;
  closeReason: string | null;
  decisions: { by: string; decision: string; reason: string | null }[];
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'RolledBack', 'Cancelled']);
const FAST_PIPELINE = { verifyWindowSeconds: 0 };

const FAST_RUNTIME = {
  FLEET_SIMULATION: 'true',
  FLEET_SIMULATION_NODES: '2,2,2,0',
  HEARTBEAT_INTERVAL_MS: '200',
  QUEUE_POLLING_INTERVAL_MS: '500',
  LEADER_RENEW_INTERVAL_MS: '200',
  LEADER_LEASE_TTL_MS: '1000',
  APPROVAL_SWEEP_INTERVAL_MS: '200',
};

type Srv = TestApp['server'];

async function publish(
  server: Srv,
  session: Session,
  name: string,
  version: string,
  signing?: { key: ReturnType<typeof makeKey>; keyId: string },
): Promise<void> {
  const manifest = { version };
  const artifact = Buffer.from(
    `module.exports = { health() { return { status: 'healthy' }; } }; // ${name}@${version}`,
  );
  const req = request(server)
    .post(`/api/v1/modules/${name}/versions`)
    .set(...bearer(session))
    .field('manifest', JSON.stringify(manifest));
  if (signing !== undefined) {
    req.field('signature', signModule(signing.key, artifact, manifest)).field('signingKeyId', signing.keyId);
  }
  const res = await req.attach('artifact', artifact, {
    filename: 'index.js',
    contentType: 'application/javascript',
  });
  expect(res.status).toBe(201);
}

async function deploy(
  server: Srv,
  session: Session,
  moduleName: string,
  version: string,
  targetEnvironment: string,
  strategy?: string,
): Promise<string> {
  const res = await request(server)
    .post('/api/v1/deployments')
    .set(...bearer(session))
    .send({
      moduleName,
      version,
      targetEnvironment,
      promotion: 'target-only',
      strategyParams: FAST_PIPELINE,
      ...(strategy === undefined ? {} : { strategy }),
    });
  expect(res.status).toBe(202);
  return res.body.id as string;
}

async function waitFor(
  server: Srv,
  session: Session,
  id: string,
  done: (d: DeploymentBody) => boolean,
  timeoutMs = 60_000,
): Promise<DeploymentBody> {
  const started = Date.now();
  for (;;) {
    const res = await request(server)
      .get(`/api/v1/deployments/${id}`)
      .set(...bearer(session));
    expect(res.status).toBe(200);
    const body = res.body as DeploymentBody;
    if (done(body)) return body;
    if (Date.now() - started > timeoutMs)
      throw new Error(`deployment ${id} still ${body.status}: ${JSON.stringify(body.stages)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function decide(
  server: Srv,
  session: Session,
  id: string,
  action: 'approve' | 'reject',
  body: Record<string, unknown> = {},
) {
  return request(server)
    .post(`/api/v1/approvals/deployments/${id}/${action}`)
    .set(...bearer(session))
    .send(body);
}

async function setPolicy(server: Srv, admin: Session, environment: string, policy: Record<string, unknown>) {
  const res = await request(server)
    .patch(`/api/v1/environments/${environment}`)
    .set(...bearer(admin))
    .send({ approvalPolicy: policy });
  expect(res.status).toBe(200);
}

describe('approval gates through the API (simulated fleet, job queue, real database)', () => {
  let t: TestApp;
  let admin: Session;
  let alice: Session;
  let deployer: Session;
  let viewer: Session;
  let signing: { key: ReturnType<typeof makeKey>; keyId: string };

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        ...FAST_RUNTIME,
        WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
        WEBHOOK_RETRY_DELAY_SECONDS: '1',
        WEBHOOK_RETRY_DELAY_MAX_SECONDS: '1',
        WEBHOOK_TIMEOUT_MS: '2000',
      },
    });
    admin = await loginAdmin(t.server);
    alice = await createUser(t.server, admin, 'alice', ['Admin']);
    deployer = await createUser(t.server, admin, 'dana', ['Deployer']);
    viewer = await createUser(t.server, admin, 'vera', ['Viewer']);
    const key = makeKey('ed25519');
    const registered = await request(t.server)
      .post('/api/v1/signing-keys')
      .set(...bearer(admin))
      .send({ name: 'approvals-e2e', publicKey: key.publicPem });
    expect(registered.status).toBe(201);
    signing = { key, keyId: registered.body.id as string };
  });

  afterAll(async () => {
    await t?.close();
  });

  it('a Deployer deploys to Staging: PendingApproval within 2 s and listed; the Deployer and a Viewer get 403; an Admin approves and it succeeds', async () => {
    await publish(t.server, deployer, 'billing-api', '1.0.0', signing);
    const started = Date.now();
    // Direct: a first Blue-Green rollout of a module never passes its smoke test (no active slot yet).
    const id = await deploy(t.server, deployer, 'billing-api', '1.0.0', 'Staging', 'Direct');
    const pending = await waitFor(t.server, viewer, id, (d) => d.status === 'PendingApproval', 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(pending.stages.find((s) => s.environment === 'Staging')?.status).toBe('WaitingForApproval');

    const listed = await request(t.server)
      .get('/api/v1/approvals/pending')
      .set(...bearer(viewer));
    expect(listed.status).toBe(200);
    const gate = (listed.body.items as GateBody[]).find((g) => g.deploymentId === id);
    expect(gate).toEqual(
      expect.objectContaining({ environment: 'Staging', status: 'Pending', quorum: 1, approvals: 0 }),
    );
    // The seeded policy: 24 h.
    expect(gate?.timeRemaining).toMatch(/^23h 59m$|^1d 0h$/);
    expect(new Date(gate?.expiresAt ?? 0).getTime() - Date.now()).toBeGreaterThan(86_000_000);

    const own = await decide(t.server, deployer, id, 'approve');
    expect(own.status).toBe(403);
    expect(own.headers['content-type']).toContain('application/problem+json');
    expect((await decide(t.server, viewer, id, 'approve')).status).toBe(403);
    expect((await waitFor(t.server, viewer, id, () => true)).status).toBe('PendingApproval');

    const approved = await decide(t.server, admin, id, 'approve', { reason: 'looks good' });
    expect(approved.status).toBe(200);
    expect(approved.body).toEqual(
      expect.objectContaining({ status: 'Approved', approvals: 1, closedBy: 'admin', timeRemaining: null }),
    );
    const done = await waitFor(t.server, viewer, id, (d) => TERMINAL.has(d.status));
    expect(done.status).toBe('Succeeded');
    expect((await decide(t.server, admin, id, 'approve')).status).toBe(409);

    const history = await request(t.server)
      .get(`/api/v1/approvals/deployments/${id}`)
      .set(...bearer(viewer));
    expect(history.status).toBe(200);
    expect((history.body.items as GateBody[]).map((g) => [g.environment, g.status])).toEqual([
      ['Staging', 'Approved'],
    ]);
    expect((history.body.items as GateBody[])[0]?.decisions).toEqual([
      expect.objectContaining({ by: 'admin', decision: 'approved', reason: 'looks good' }),
    ]);
    const metrics = await request(t.server).get('/metrics');
    expect(metrics.text).toContain('hotswap_approvals_total{environment="Staging",decision="approved"} 1');
    expect(metrics.text).toMatch(
      /hotswap_approval_wait_seconds_count\{environment="Staging",outcome="Approved"\} 1/,
    );
  });

  it('quorum 2: one approval leaves it pending, the same user again is 409, a second user opens it', async () => {
    await setPolicy(t.server, admin, 'Development', {
      required: true,
      quorum: 2,
      approverRoles: ['Admin'],
      requesterMayApprove: false,
    });
    await publish(t.server, deployer, 'quorum-svc', '1.0.0');
    const id = await deploy(t.server, deployer, 'quorum-svc', '1.0.0', 'Development');
    await waitFor(t.server, viewer, id, (d) => d.status === 'PendingApproval', 10_000);

    const first = await decide(t.server, admin, id, 'approve');
    expect(first.status).toBe(200);
    expect(first.body).toEqual(expect.objectContaining({ status: 'Pending', approvals: 1, quorum: 2 }));
    const again = await decide(t.server, admin, id, 'approve');
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('approval_already_decided');
    // A rejection by the same user is a second decision too.
    expect((await decide(t.server, admin, id, 'reject', { reason: 'changed my mind' })).status).toBe(409);
    const waiting = await waitFor(t.server, viewer, id, () => true);
    expect(waiting.status).toBe('PendingApproval');
    // The deployment itself shows its approval state (deployments spec §8).
    expect(waiting.approvals).toEqual([
      expect.objectContaining({ environment: 'Development', status: 'Pending', quorum: 2, approvals: 1 }),
    ]);
    expect(waiting.approvals[0]?.decisions).toEqual([expect.objectContaining({ decision: 'approved' })]);

    const second = await decide(t.server, alice, id, 'approve');
    expect(second.status).toBe(200);
    expect(second.body).toEqual(expect.objectContaining({ status: 'Approved', approvals: 2 }));
    const done = await waitFor(t.server, viewer, id, (d) => TERMINAL.has(d.status));
    expect(done.status).toBe('Succeeded');
    expect(done.approvals).toEqual([expect.objectContaining({ status: 'Approved', approvals: 2 })]);
    expect(done.approvals[0]?.decisions).toHaveLength(2);
  });

  it('simultaneous approvals are each counted once: quorum 3 reached by three approvals sent at once', async () => {
    const bob = await createUser(t.server, admin, 'bob', ['Admin']);
    await setPolicy(t.server, admin, 'Development', { required: true, quorum: 3, approverRoles: ['Admin'] });
    await publish(t.server, deployer, 'race-svc', '1.0.0');
    const id = await deploy(t.server, deployer, 'race-svc', '1.0.0', 'Development');
    await waitFor(t.server, viewer, id, (d) => d.status === 'PendingApproval', 10_000);
    const answers = await Promise.all([admin, alice, bob].map((who) => decide(t.server, who, id, 'approve')));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => `${a.body.status as string}:${a.body.approvals as number}`).sort()).toEqual([
      'Approved:3',
      'Pending:1',
      'Pending:2',
    ]);
    const gates = await request(t.server)
      .get(`/api/v1/approvals/deployments/${id}`)
      .set(...bearer(viewer));
    expect(gates.body.items[0]).toEqual(expect.objectContaining({ status: 'Approved', approvals: 3 }));
    expect((await waitFor(t.server, viewer, id, (d) => TERMINAL.has(d.status))).status).toBe('Succeeded');
  });

  it('reject without a reason is 400; with one, the deployment fails at the gate naming the approver and the reason', async () => {
    await setPolicy(t.server, admin, 'QA', { required: true, quorum: 1, approverRoles: ['Admin'] });
    await publish(t.server, deployer, 'reject-svc', '1.0.0');
    const id = await deploy(t.server, deployer, 'reject-svc', '1.0.0', 'QA');
    await waitFor(t.server, viewer, id, (d) => d.status === 'PendingApproval', 10_000);

    const missing = await decide(t.server, admin, id, 'reject');
    expect(missing.status).toBe(400);
    expect(missing.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'reason' })]),
    );
    expect((await decide(t.server, admin, id, 'reject', { reason: '   ' })).status).toBe(400);

    const rejected = await decide(t.server, alice, id, 'reject', { reason: 'change freeze for the audit' });
    expect(rejected.status).toBe(200);
    expect(rejected.body).toEqual(expect.objectContaining({ status: 'Rejected', closedBy: 'alice' }));
    const failed = await waitFor(t.server, viewer, id, (d) => TERMINAL.has(d.status), 10_000);
    expect(failed.status).toBe('Failed');
    const stage = failed.stages.find((s) => s.environment === 'QA');
    expect(stage?.status).toBe('Failed');
    expect(stage?.message).toContain('alice');
    expect(stage?.message).toContain('change freeze for the audit');
    expect((await decide(t.server, admin, id, 'approve')).status).toBe(409);
    const db = new Client({ connectionString: t.database.url });
    await db.connect();
    try {
      const events = await db.query<{ type: string; payload: Record<string, unknown> }>(
        "SELECT type, payload FROM events WHERE deployment_id = $1 AND type LIKE 'approval.%' ORDER BY seq",
        [id],
      );
      expect(events.rows).toEqual([
        { type: 'approval.requested', payload: expect.objectContaining({ environment: 'QA' }) as unknown },
        {
          type: 'approval.decided',
          payload: expect.objectContaining({
            decision: 'rejected',
            by: 'alice',
            reason: 'change freeze for the audit',
            status: 'Rejected',
          }) as unknown,
        },
      ]);
      const audited = await db.query<{ action: string; actor_name: string }>(
        "SELECT action, actor_name FROM audit_records WHERE resource_id = $1 AND action LIKE 'approval.%' ORDER BY seq",
        [id],
      );
      expect(audited.rows.map((r) => `${r.action}:${r.actor_name}`)).toEqual([
        'approval.request:system',
        'approval.reject:alice',
      ]);
    } finally {
      await db.end();
    }
    await setPolicy(t.server, admin, 'QA', { required: false });
  });

  it('a manual rollback skips the gate unless the policy applies it to rollbacks; then it waits for an approval', async () => {
    await setPolicy(t.server, admin, 'QA', { required: false });
    await publish(t.server, deployer, 'rollback-gate-svc', '1.0.0');
    await publish(t.server, deployer, 'rollback-gate-svc', '2.0.0');
    const first = await deploy(t.server, deployer, 'rollback-gate-svc', '1.0.0', 'QA', 'Direct');
    expect((await waitFor(t.server, viewer, first, (d) => TERMINAL.has(d.status))).status).toBe('Succeeded');
    const original = await deploy(t.server, deployer, 'rollback-gate-svc', '2.0.0', 'QA', 'Direct');
    expect((await waitFor(t.server, viewer, original, (d) => TERMINAL.has(d.status))).status).toBe(
      'Succeeded',
    );

    await setPolicy(t.server, admin, 'QA', {
      required: true,
      quorum: 1,
      approverRoles: ['Admin'],
      appliesToRollbacks: true,
    });
    const shown = await request(t.server)
      .get('/api/v1/environments/QA')
      .set(...bearer(viewer));
    expect(shown.body.approvalPolicy).toEqual(
      expect.objectContaining({ required: true, appliesToRollbacks: true }),
    );
    const rollback = await request(t.server)
      .post(`/api/v1/deployments/${original}/rollback`)
      .set(...bearer(deployer))
      .send({});
    expect(rollback.status).toBe(202);
    const id = rollback.body.id as string;
    const waiting = await waitFor(t.server, viewer, id, (d) => d.status === 'PendingApproval', 10_000);
    expect(waiting.stages.find((s) => s.environment === 'QA')?.status).toBe('WaitingForApproval');
    const listed = await request(t.server)
      .get('/api/v1/approvals/pending')
      .set(...bearer(viewer));
    expect((listed.body.items as GateBody[]).map((g) => g.deploymentId)).toContain(id);

    expect((await decide(t.server, admin, id, 'approve')).status).toBe(200);
    const done = await waitFor(t.server, viewer, id, (d) => TERMINAL.has(d.status));
    expect(done.status).toBe('Succeeded');
    expect(done.stages.find((s) => s.environment === 'QA')?.message).toMatch(/Rolled back \d+ node\(s\)/);

    // Not applied to rollbacks (the default): the next rollback runs at once, with no gate.
    await setPolicy(t.server, admin, 'QA', { required: true, appliesToRollbacks: false });
    const again = await deploy(t.server, deployer, 'rollback-gate-svc', '2.0.0', 'QA', 'Direct');
    expect(
      (await waitFor(t.server, viewer, again, (d) => d.status === 'PendingApproval', 10_000)).status,
    ).toBe('PendingApproval');
    expect((await decide(t.server, admin, again, 'approve')).status).toBe(200);
    expect((await waitFor(t.server, viewer, again, (d) => TERMINAL.has(d.status))).status).toBe('Succeeded');
    const ungated = await request(t.server)
      .post(`/api/v1/deployments/${again}/rollback`)
      .set(...bearer(deployer))
      .send({});
    expect(ungated.status).toBe(202);
    const ungatedDone = await waitFor(t.server, viewer, ungated.body.id as string, (d) =>
      TERMINAL.has(d.status),
    );
    expect(ungatedDone.status).toBe('Succeeded');
    expect(ungatedDone.approvals).toEqual([]);
    await setPolicy(t.server, admin, 'QA', { required: false });
  });

  it('expires a gate after its timeout: Expired, the deployment fails naming the timeout, event and audit written, approve → 409', async () => {
    await setPolicy(t.server, admin, 'Development', { required: true, quorum: 1 });
    // The API's minimum timeout is a minute; the test shortens it in the stored policy.
    const db = new Client({ connectionString: t.database.url });
    await db.connect();
    try {
      await db.query(
        `UPDATE environments SET approval_policy = jsonb_set(approval_policy, '{timeoutSeconds}', '2') WHERE name = 'Development'`,
      );
      await publish(t.server, deployer, 'expiry-svc', '1.0.0');
      const id = await deploy(t.server, deployer, 'expiry-svc', '1.0.0', 'Development');
      await waitFor(t.server, viewer, id, (d) => d.status === 'PendingApproval', 10_000);
      const failed = await waitFor(t.server, viewer, id, (d) => TERMINAL.has(d.status), 15_000);
      expect(failed.status).toBe('Failed');
      const stage = failed.stages.find((s) => s.environment === 'Development');
      expect(stage?.message).toMatch(/expired/);
      expect(stage?.message).toContain('timeout of 2 s');

      const gates = await request(t.server)
        .get(`/api/v1/approvals/deployments/${id}`)
        .set(...bearer(viewer));
      expect(gates.body.items[0]).toEqual(expect.objectContaining({ status: 'Expired', closedBy: 'system' }));
      const late = await decide(t.server, admin, id, 'approve');
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('approval_expired');

      const events = await db.query<{ payload: { timeoutSeconds: number; decision: string } }>(
        "SELECT payload FROM events WHERE deployment_id = $1 AND type = 'approval.expired'",
        [id],
      );
      expect(events.rows).toEqual([
        { payload: expect.objectContaining({ timeoutSeconds: 2, decision: 'expired' }) as unknown },
      ]);
      const audited = await db.query<{ action: string; actor_name: string }>(
        "SELECT action, actor_name FROM audit_records WHERE resource_id = $1 AND action LIKE 'approval.%' ORDER BY seq",
        [id],
      );
      expect(audited.rows.map((r) => `${r.action}:${r.actor_name}`)).toEqual([
        'approval.request:system',
        'approval.expire:system',
      ]);
      const expiredList = await request(t.server)
        .get('/api/v1/approvals?status=Expired&environment=development')
        .set(...bearer(viewer));
      expect(expiredList.status).toBe(200);
      expect((expiredList.body.items as GateBody[]).map((g) => g.deploymentId)).toEqual([id]);
    } finally {
      await db.query(
        `UPDATE environments SET approval_policy = jsonb_set(approval_policy, '{required}', 'false') WHERE name = 'Development'`,
      );
      await db.end();
    }
  });

  it('lists gates paginated, filters by status, refuses a bad status with 400 and answers unknown deployments with 404', async () => {
    const first = await request(t.server)
      .get('/api/v1/approvals?limit=2')
      .set(...bearer(viewer));
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(typeof first.body.nextCursor).toBe('string');
    const next = await request(t.server)
      .get(`/api/v1/approvals?limit=2&cursor=${first.body.nextCursor as string}`)
      .set(...bearer(viewer));
    expect(next.status).toBe(200);
    const ids = [...(first.body.items as GateBody[]), ...(next.body.items as GateBody[])].map((g) => g.id);
    expect(new Set(ids).size).toBe(ids.length);
    const approved = await request(t.server)
      .get('/api/v1/approvals?status=Approved')
      .set(...bearer(viewer));
    expect((approved.body.items as GateBody[]).every((g) => g.status === 'Approved')).toBe(true);
    expect(approved.body.items.length).toBeGreaterThanOrEqual(3);
    expect(
      (
        await request(t.server)
          .get('/api/v1/approvals?status=Maybe')
          .set(...bearer(viewer))
      ).status,
    ).toBe(400);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(
      (
        await request(t.server)
          .get(`/api/v1/approvals/deployments/${unknown}`)
          .set(...bearer(viewer))
      ).status,
    ).toBe(404);
    expect((await decide(t.server, admin, unknown, 'approve')).status).toBe(404);
    expect((await decide(t.server, admin, 'not-a-uuid', 'approve')).status).toBe(404);
  });

  it("delivers signed webhooks; a receiver failing twice gets the event on the third attempt; an aborted deployment's gate is closed", async () => {
    const received: { name: string; headers: IncomingHttpHeaders; body: string; answered: number }[] = [];
    let failuresLeft = 2;
    const receiver: Server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const name = req.url ?? '';
        let answered = 204;
        if (name === '/flaky' && failuresLeft > 0) {
          failuresLeft--;
          answered = 503;
        }
        received.push({ name, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), answered });
        res.statusCode = answered;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    try {
      const secret = 'whsec-0123456789abcdef';
      const put = await request(t.server)
        .put('/api/v1/environments/production/webhooks')
        .set(...bearer(admin))
        .send({
          webhooks: [
            { url: `${base}/steady`, secret, events: ['approval.requested'] },
            { url: `${base}/flaky`, secret: 'another-secret-of-20', events: ['approval.requested'] },
          ],
        });
      expect(put.status).toBe(200);
      expect(put.body.webhooks).toHaveLength(2);
      expect(JSON.stringify(put.body)).not.toContain(secret);
      expect(
        (
          await request(t.server)
            .put('/api/v1/environments/production/webhooks')
            .set(...bearer(deployer))
            .send({ webhooks: [] })
        ).status,
      ).toBe(403);

      // Production has no nodes: the gate still opens (and the deployment is aborted afterwards).
      await publish(t.server, deployer, 'hooked-svc', '1.0.0', signing);
      const id = await deploy(t.server, deployer, 'hooked-svc', '1.0.0', 'Production');
      await waitFor(t.server, viewer, id, (d) => d.status === 'PendingApproval', 10_000);

      const started = Date.now();
      while (!received.some((r) => r.name === '/flaky' && r.answered === 204)) {
        if (Date.now() - started > 30_000) throw new Error(`not delivered: ${JSON.stringify(received)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const steady = received.filter((r) => r.name === '/steady');
      expect(steady).toHaveLength(1);
      const delivered = steady[0];
      expect(delivered?.headers['x-hotswap-event']).toBe('approval.requested');
      const expected = `sha256=${createHmac('sha256', secret)
        .update(delivered?.body ?? '')
        .digest('hex')}`;
      expect(delivered?.headers['x-hotswap-signature']).toBe(expected);
      const body = JSON.parse(delivered?.body ?? '{}') as Record<string, unknown>;
      expect(body).toEqual(
        expect.objectContaining({
          type: 'approval.requested',
          deploymentId: id,
          environment: 'Production',
          data: expect.objectContaining({ requestedBy: 'dana', quorum: 1 }) as unknown,
        }),
      );

      const flaky = received.filter((r) => r.name === '/flaky');
      expect(flaky.map((r) => r.answered)).toEqual([503, 503, 204]);
      expect(new Set(flaky.map((r) => r.headers['x-hotswap-delivery'])).size).toBe(1);
      expect(new Set(flaky.map((r) => r.body)).size).toBe(1);
      const flakySignature = `sha256=${createHmac('sha256', 'another-secret-of-20')
        .update(flaky[2]?.body ?? '')
        .digest('hex')}`;
      expect(flaky[2]?.headers['x-hotswap-signature']).toBe(flakySignature);

      const listed = await request(t.server)
        .get('/api/v1/environments/production/webhooks')
        .set(...bearer(admin));
      expect(listed.status).toBe(200);
      const flakyId = (listed.body.webhooks as { id: string; url: string }[]).find((w) =>
        w.url.endsWith('/flaky'),
      )?.id;
      const attempts = (
        listed.body.recentDeliveries as { webhookId: string; attempt: number; statusCode: number }[]
      )
        .filter((d) => d.webhookId === flakyId)
        .map((d) => [d.attempt, d.statusCode])
        .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
      expect(attempts).toEqual([
        [1, 503],
        [2, 503],
        [3, 204],
      ]);
      const abort = await request(t.server)
        .post(`/api/v1/deployments/${id}/abort`)
        .set(...bearer(deployer));
      expect(abort.status).toBe(200);
      expect((await waitFor(t.server, viewer, id, (d) => TERMINAL.has(d.status), 10_000)).status).toBe(
        'Cancelled',
      );
      // The sweep closes the gate of a deployment that ended without it.
      const closedBy = Date.now();
      for (;;) {
        const gates = await request(t.server)
          .get(`/api/v1/approvals/deployments/${id}`)
          .set(...bearer(viewer));
        const gate = (gates.body.items as GateBody[])[0];
        if (gate?.status === 'Cancelled') {
          expect(gate.closeReason).toContain('Cancelled');
          break;
        }
        if (Date.now() - closedBy > 10_000) throw new Error(`gate still ${gate?.status}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const stillPending = await request(t.server)
        .get('/api/v1/approvals/pending')
        .set(...bearer(viewer));
      expect((stillPending.body.items as GateBody[]).map((g) => g.deploymentId)).not.toContain(id);
    } finally {
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
    }
  });
});

describe('approval gates across a restart, expiry at decision time, and webhook targets without the private-address allowance', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(SCHEMA);
  });

  afterAll(async () => {
    await database.drop();
  });

  it('a gate pending when the API stops is approved on a new process and the deployment continues', async () => {
    let t = await startTestApp({ env: FAST_RUNTIME, sharedDatabase: database });
    let id: string;
    try {
      const admin = await loginAdmin(t.server);
      await setPolicy(t.server, admin, 'Development', { required: true, quorum: 1 });
      const deployer = await createUser(t.server, admin, 'dora', ['Deployer']);
      await publish(t.server, deployer, 'restart-svc', '1.0.0');
      id = await deploy(t.server, deployer, 'restart-svc', '1.0.0', 'Development');
      await waitFor(t.server, admin, id, (d) => d.status === 'PendingApproval', 10_000);
    } finally {
      await t.close();
    }
    // No sweep in this process: an expiry below can only come from the decision itself.
    t = await startTestApp({
      env: { ...FAST_RUNTIME, APPROVAL_SWEEP_INTERVAL_MS: '3600000' },
      sharedDatabase: database,
    });
    try {
      const admin = await loginAdmin(t.server);
      const pending = await request(t.server)
        .get('/api/v1/approvals/pending')
        .set(...bearer(admin));
      expect((pending.body.items as GateBody[]).map((g) => g.deploymentId)).toContain(id);
      const approved = await decide(t.server, admin, id, 'approve');
      expect(approved.status).toBe(200);
      const done = await waitFor(t.server, admin, id, (d) => TERMINAL.has(d.status));
      expect(done.status).toBe('Succeeded');

      // WEBHOOK_ALLOW_PRIVATE_TARGETS is off here: loopback and link-local targets are refused.
      const refused = await request(t.server)
        .put('/api/v1/environments/Staging/webhooks')
        .set(...bearer(admin))
        .send({
          webhooks: [
            { url: 'http://127.0.0.1:8080/hook', secret: 'a-secret-of-16-chars' },
            { url: 'http://169.254.169.254/latest/meta-data', secret: 'a-secret-of-16-chars' },
            { url: 'http://localhost:9/hook', secret: 'a-secret-of-16-chars' },
            { url: 'http://[::1]/hook', secret: 'a-secret-of-16-chars' },
          ],
        });
      expect(refused.status).toBe(400);
      expect((refused.body.errors as { field: string; message: string }[]).map((e) => e.field)).toEqual([
        'webhooks.0.url',
        'webhooks.1.url',
        'webhooks.2.url',
        'webhooks.3.url',
      ]);
      expect(refused.body.errors[1].message).toContain('link-local');
      const after = await request(t.server)
        .get('/api/v1/environments/Staging/webhooks')
        .set(...bearer(admin));
      expect(after.body.webhooks).toEqual([]);
      // Decision-time expiry, inside an Idempotency-Key request (whose transaction a 409 rolls back).
      const db = new Client({ connectionString: database.url });
      await db.connect();
      try {
        await db.query(
          `UPDATE environments SET approval_policy = jsonb_set(approval_policy, '{timeoutSeconds}', '2') WHERE name = 'Development'`,
        );
      } finally {
        await db.end();
      }
      const deployer = await createUser(t.server, admin, 'lena', ['Deployer']);
      await publish(t.server, deployer, 'late-svc', '1.0.0');
      await publish(t.server, deployer, 'later-svc', '1.0.0');
      const late = await deploy(t.server, deployer, 'late-svc', '1.0.0', 'Development');
      const later = await deploy(t.server, deployer, 'later-svc', '1.0.0', 'Development');
      for (const id of [late, later])
        await waitFor(t.server, admin, id, (d) => d.status === 'PendingApproval', 10_000);
      for (;;) {
        const open = await request(t.server)
          .get('/api/v1/approvals/pending')
          .set(...bearer(admin));
        const gates = (open.body.items as GateBody[]).filter((g) => [late, later].includes(g.deploymentId));
        expect(gates.map((g) => g.status)).toEqual(['Pending', 'Pending']);
        if (gates.every((g) => g.timeRemaining === 'Expired')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const gateOf = async (id: string): Promise<GateBody | undefined> =>
        (
          await request(t.server)
            .get(`/api/v1/approvals/deployments/${id}`)
            .set(...bearer(admin))
        ).body.items[0] as GateBody | undefined;

      const refusedLate = await decide(t.server, admin, late, 'approve');
      expect(refusedLate.status).toBe(409);
      expect(refusedLate.body.code).toBe('approval_expired');
      expect(await gateOf(late)).toEqual(expect.objectContaining({ status: 'Expired', closedBy: 'system' }));

      // With an Idempotency-Key the request runs in one transaction, which the 409 rolls back; the
      // expiry has its own and stays (well before the runner's own 5 s look at the gate).
      const refusedLater = await decide(t.server, admin, later, 'approve').set(
        'Idempotency-Key',
        'late-approve-1',
      );
      expect(refusedLater.status).toBe(409);
      expect(refusedLater.body.code).toBe('approval_expired');
      const since = Date.now();
      while ((await gateOf(later))?.status !== 'Expired') {
        if (Date.now() - since > 1_500) throw new Error('the expiry of the decision did not persist');
        await new Promise((r) => setTimeout(r, 50));
      }
      for (const id of [late, later]) {
        const failed = await waitFor(t.server, admin, id, (d) => TERMINAL.has(d.status), 15_000);
        expect(failed.status).toBe('Failed');
        expect(failed.stages.find((s) => s.environment === 'Development')?.message).toContain(
          'timeout of 2 s',
        );
      }

      expect(
        (
          await request(t.server)
            .put('/api/v1/environments/Nowhere/webhooks')
            .set(...bearer(admin))
            .send({ webhooks: [] })
        ).status,
      ).toBe(404);
    } finally {
      await t.close();
    }
  });
});
