import { EventRetentionJob } from '@hotswap/events';
import type { Client } from 'pg';
import request from 'supertest';
import { bearer, type Session } from './support/auth';
import { EventSocket, SseClient } from './support/event-clients';
import { INSERT_EVENT, payload, prepareEventScenario } from './support/event-scenario';
import { startTestApp, type TestApp } from './support/test-app';

describe('live events: SSE, WebSocket, replay, authorization', () => {
  let t: TestApp;
  let deployer: Session;
  let viewer: Session;
  let nobody: Session;
  let db: Client;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: '3,0,0,0',
        HEARTBEAT_INTERVAL_MS: '200',
        QUEUE_POLLING_INTERVAL_MS: '500',
        EVENTS_RETENTION_DAYS: '1',
        EVENTS_WS_AUTH_TIMEOUT_MS: '300',
        EVENTS_CLIENT_BUFFER_BYTES: '2097152',
        EVENTS_HEARTBEAT_MS: '200',
        RATE_LIMIT_STREAMS: '1000',
      },
    });
    ({ deployer, viewer, nobody, db } = await prepareEventScenario(t));
  });

  afterAll(async () => {
    await db.end();
    await t.close();
  });

  it("streams a deployment's full lifecycle on SSE and WebSocket, in seq order, with the catalogue's payloads", async () => {
    const sse = SseClient.open(t.server, '/api/v1/events/stream?types=deployment.*', {
      Authorization: bearer(viewer)[1],
    });
    expect(await sse.opened).toBe(200);
    const ws = await EventSocket.connect(t.server);
    await ws.authenticate(viewer.accessToken);
    ws.send({ op: 'subscribe', id: 'deps', types: ['deployment.*'] });
    await ws.waitFor((m) => m.some((x) => x.op === 'subscribed'));

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
    const id = res.body.id as string;
    const completed = (m: { type?: unknown; data?: Record<string, unknown> }) =>
      m.type === 'deployment.completed' && m.data?.deploymentId === id;
    await sse.waitFor(
      (msgs) => msgs.some((m) => m.event === 'deployment.completed' && payload(m).deploymentId === id),
      60_000,
    );
    await ws.waitFor((msgs) => msgs.some((m) => completed(m as never)), 60_000);

    const sseEvents = sse.events().filter((m) => payload(m).deploymentId === id);
    const wsEvents = ws.events('deps').filter((m) => (m.data as Record<string, unknown>).deploymentId === id);
    const seqs = sseEvents.map((m) => BigInt(m.id!));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true);
    expect(wsEvents.map((m) => m.seq)).toEqual(sseEvents.map((m) => m.id));
    expect(wsEvents.map((m) => m.type)).toEqual(sseEvents.map((m) => m.event));

    const types = sseEvents.map((m) => m.event);
    expect(types[0]).toBe('deployment.created');
    expect(types[types.length - 1]).toBe('deployment.completed');
    expect(types).toContain('deployment.status_changed');
    expect(types).toContain('deployment.stage_changed');
    expect(types).toContain('deployment.progress');
    expect(payload(sseEvents[0]!)).toMatchObject({
      deploymentId: id,
      module: 'payment-processor',
      version: '2.0.0',
      target: 'Development',
      requestedBy: 'dana',
    });
    const last = payload(sseEvents[sseEvents.length - 1]!);
    expect(last).toMatchObject({ status: 'Succeeded', rolledBack: false });
    expect(typeof last.durationMs).toBe('number');
    const progress = sseEvents.filter((m) => m.event === 'deployment.progress').map(payload);
    // Development has 3 simulated nodes; the last report of the (Direct) stage is all of them.
    expect(progress[progress.length - 1]).toEqual(
      expect.objectContaining({
        environment: 'Development',
        nodesTotal: 3,
        nodesUpdated: 3,
        nodesFailed: 0,
        percent: 100,
      }),
    );

    // The history endpoint returns the same events.
    const history = await request(t.server)
      .get(`/api/v1/events?types=deployment.*&deploymentId=${id}&limit=1000`)
      .set(...bearer(viewer));
    expect(history.status).toBe(200);
    expect((history.body.items as { seq: string }[]).map((e) => e.seq)).toEqual(sseEvents.map((m) => m.id));
    sse.close();
    ws.close();
  });

  it('replays exactly the events missed while disconnected, in order, then continues live', async () => {
    const first = SseClient.open(t.server, '/api/v1/events/stream?types=node.*&environment=qa', {
      Authorization: bearer(viewer)[1],
    });
    expect(await first.opened).toBe(200);
    const marker = (await db.query<{ seq: string }>(INSERT_EVENT, ['{"n":-1}'])).rows[0]!.seq;
    await first.waitFor((m) => m.some((x) => x.id === marker));
    first.close();

    const missed: string[] = [];
    for (let n = 0; n < 50; n++)
      missed.push((await db.query<{ seq: string }>(INSERT_EVENT, [JSON.stringify({ n })])).rows[0]!.seq);

    const sse = SseClient.open(t.server, '/api/v1/events/stream?types=node.*&environment=qa', {
      Authorization: bearer(viewer)[1],
      'Last-Event-ID': marker,
    });
    const ws = await EventSocket.connect(t.server);
    await ws.authenticate(viewer.accessToken);
    ws.send({ op: 'subscribe', id: 'r', types: ['node.*'], environment: 'qa', since: marker });
    await sse.waitFor((m) => m.filter((x) => x.id !== undefined).length >= 50);
    await ws.waitFor(() => ws.events('r').length >= 50);
    const live = (await db.query<{ seq: string }>(INSERT_EVENT, ['{"n":50}'])).rows[0]!.seq;
    await sse.waitFor((m) => m.some((x) => x.id === live));
    await ws.waitFor(() => ws.events('r').some((x) => x.seq === live));
    await new Promise((r) => setTimeout(r, 200));
    expect(sse.events().map((m) => m.id)).toEqual([...missed, live]);
    expect(sse.events().map((m) => (m.data.data as Record<string, unknown>).n)).toEqual([
      ...Array.from({ length: 50 }, (_, i) => i),
      50,
    ]);
    expect(ws.events('r').map((m) => m.seq)).toEqual([...missed, live]);
    sse.close();
    ws.close();
  });

  it('sends resync first when the cursor is older than retention', async () => {
    const old = (
      await db.query<{ seq: string }>(
        `INSERT INTO events (type, environment, payload, at) VALUES ('node.status_changed', 'qa', '{}', now() - interval '3 days') RETURNING seq::text`,
      )
    ).rows[0]!.seq;
    expect(await t.app.get(EventRetentionJob).runOnce()).toBeGreaterThan(0);
    const cursor = (BigInt(old) - 1n).toString();
    const sse = SseClient.open(t.server, `/api/v1/events/stream?since=${cursor}`, {
      Authorization: bearer(viewer)[1],
    });
    await sse.waitFor((m) => m.length >= 1);
    expect(sse.messages[0]!.event).toBe('resync');
    const ws = await EventSocket.connect(t.server);
    await ws.authenticate(viewer.accessToken);
    ws.send({ op: 'subscribe', id: 'x', since: cursor });
    await ws.waitFor((m) => m.some((x) => x.op === 'resync'));
    expect(ws.messages.filter((x) => x.op === 'event')).toEqual([]);
    const live = (await db.query<{ seq: string }>(INSERT_EVENT, ['{"after":true}'])).rows[0]!.seq;
    await sse.waitFor((m) => m.some((x) => x.id === live));
    sse.close();
    ws.close();
  });

  it('refuses missing and bad tokens and used or expired tickets; a ticket works once', async () => {
    expect((await request(t.server).get('/api/v1/events/stream')).status).toBe(401);
    const bad = await request(t.server)
      .get('/api/v1/events/stream')
      .set('Authorization', 'Bearer not.a.token');
    expect(bad.status).toBe(401);
    expect((await request(t.server).get('/api/v1/events/stream?ticket=hst_nope')).status).toBe(401);
    expect((await request(t.server).get('/api/v1/events')).status).toBe(401);

    const issued = await request(t.server)
      .post('/api/v1/events/tickets')
      .set(...bearer(viewer));
    expect(issued.status).toBe(201);
    const ticket = issued.body.ticket as string;
    const sse = SseClient.open(t.server, `/api/v1/events/stream?ticket=${ticket}`);
    expect(await sse.opened).toBe(200);
    sse.close();
    const again = SseClient.open(t.server, `/api/v1/events/stream?ticket=${ticket}`);
    expect(await again.opened).toBe(401);

    const expiring = (
      await request(t.server)
        .post('/api/v1/events/tickets')
        .set(...bearer(viewer))
    ).body.ticket as string;
    await db.query(`UPDATE event_stream_tickets SET expires_at = now() - interval '1 second'`);
    expect((await request(t.server).get(`/api/v1/events/stream?ticket=${expiring}`)).status).toBe(401);

    // WebSocket: no auth in time, a bad token, an expired ticket.
    const silent = await EventSocket.connect(t.server);
    expect(await silent.waitForClose()).toBe(4401);
    const wrong = await EventSocket.connect(t.server);
    wrong.send({ op: 'auth', token: 'not.a.token' });
    expect(await wrong.waitForClose()).toBe(4403);
    const early = await EventSocket.connect(t.server);
    early.send({ op: 'subscribe', types: ['deployment.*'] });
    expect(await early.waitForClose()).toBe(4403);
    const expired = (
      await request(t.server)
        .post('/api/v1/events/tickets')
        .set(...bearer(viewer))
    ).body.ticket as string;
    await db.query(`UPDATE event_stream_tickets SET expires_at = now() - interval '1 second'`);
    const late = await EventSocket.connect(t.server);
    late.send({ op: 'auth', ticket: expired });
    expect(await late.waitForClose()).toBe(4403);
  });

  it('gives a user without a reading role no events, and rejects unknown types', async () => {
    const sse = await request(t.server)
      .get('/api/v1/events/stream')
      .set(...bearer(nobody));
    expect(sse.status).toBe(403);
    expect(
      (
        await request(t.server)
          .get('/api/v1/events')
          .set(...bearer(nobody))
      ).status,
    ).toBe(403);
    expect(
      (
        await request(t.server)
          .post('/api/v1/events/tickets')
          .set(...bearer(nobody))
      ).status,
    ).toBe(403);
    const ws = await EventSocket.connect(t.server);
    await ws.authenticate(nobody.accessToken);
    ws.send({ op: 'subscribe', id: 'n', types: ['deployment.*'] });
    await ws.waitFor((m) => m.some((x) => x.op === 'error'));
    expect(ws.messages.find((x) => x.op === 'error')).toMatchObject({ code: 'forbidden', id: 'n' });
    await db.query(INSERT_EVENT, ['{"secret":false}']);
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.events()).toEqual([]);
    ws.close();

    const invalid = await request(t.server)
      .get('/api/v1/events/stream?types=audit.*,deployment.nope&deploymentId=x&since=-1')
      .set(...bearer(viewer));
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(
      ['deploymentId', 'since', 'types', 'types'].sort(),
    );
  });

  it('disconnects a client that stops reading with overflow; another client gets every event meanwhile', async () => {
    const headers = { Authorization: bearer(viewer)[1] };
    const slow = SseClient.open(t.server, '/api/v1/events/stream?types=node.*', headers);
    const fast = SseClient.open(t.server, '/api/v1/events/stream?types=node.*', headers);
    expect(await slow.opened).toBe(200);
    expect(await fast.opened).toBe(200);
    slow.pause();
    const filler = 'x'.repeat(2_000);
    let last = '';
    for (let batch = 0; batch < 6; batch++) {
      const rows = await db.query<{ seq: string }>(
        `INSERT INTO events (type, environment, payload) SELECT 'node.status_changed', 'qa', jsonb_build_object('i', i, 'filler', $1::text) FROM generate_series(1, 2000) i RETURNING seq::text`,
        [filler],
      );
      last = rows.rows[rows.rows.length - 1]!.seq;
    }
    await fast.waitFor((m) => m.some((x) => x.id === last), 60_000);
    expect(fast.events().length).toBe(12_000);
    expect(fast.messages.some((m) => m.event === 'overflow')).toBe(false);
    slow.resume();
    await slow.waitForEnd(30_000);
    const tail = slow.messages[slow.messages.length - 1]!;
    expect(tail.event).toBe('overflow');
    expect(slow.events().length).toBeLessThan(12_000);
    fast.close();
  });

  it('sends heartbeat comments on idle streams and exports the stream metrics', async () => {
    const sse = SseClient.open(t.server, '/api/v1/events/stream?types=approval.*', {
      Authorization: bearer(viewer)[1],
    });
    expect(await sse.opened).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(sse.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(1);
    const metrics = await request(t.server).get('/metrics');
    expect(metrics.text).toContain('hotswap_event_subscribers{transport="sse"}');
    expect(metrics.text).toMatch(/hotswap_events_published_total\{type="node.status_changed"\} \d+/);
    expect(metrics.text).toContain('hotswap_event_delivery_seconds_bucket');
    sse.close();
  });
});
