import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import request from 'supertest';
import { bearer, createUser, type Session } from './support/auth';
import { EventSocket, SseClient } from './support/event-clients';
import { ApiProcess, GATEWAY_ENTRY } from './support/processes';
import { INSERT_EVENT, payload, prepareEventScenario } from './support/event-scenario';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The standalone event gateway (DR-35) as a process of its own on the real PostgreSQL server, beside
 * the API that writes the events and issues the tokens and tickets: the same contract as the API's
 * own streams (events spec §2–3).
 */
describe('event gateway process: SSE and /ws served apart from the API', () => {
  let t: TestApp;
  let gateway: ApiProcess;
  let admin: Session;
  let deployer: Session;
  let viewer: Session;
  let nobody: Session;
  let db: Client;

  const secret = randomBytes(48).toString('base64url');

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        JWT_SECRET: secret,
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: '3,0,0,0',
        HEARTBEAT_INTERVAL_MS: '200',
        QUEUE_POLLING_INTERVAL_MS: '500',
      },
    });
    gateway = ApiProcess.start(GATEWAY_ENTRY, {
      DATABASE_URL: t.database.url,
      JWT_SECRET: secret,
      LOG_LEVEL: 'info',
      AUTH_STATE_CACHE_MS: '0',
      EVENTS_WS_AUTH_TIMEOUT_MS: '300',
      EVENTS_CLIENT_BUFFER_BYTES: '2097152',
      EVENTS_HEARTBEAT_MS: '200',
    });
    await gateway.waitUntilReady(30_000);
    ({ admin, deployer, viewer, nobody, db } = await prepareEventScenario(t));
  });

  afterAll(async () => {
    await gateway?.dispose();
    await db?.end();
    await t?.close();
  });

  it("streams a deployment's lifecycle, committed by the API, on SSE and WebSocket in seq order", async () => {
    const sse = SseClient.open(gateway.url, '/api/v1/events/stream?types=deployment.*', {
      Authorization: bearer(viewer)[1],
    });
    expect(await sse.opened).toBe(200);
    const ws = await EventSocket.connect(gateway.url);
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
    await sse.waitFor(
      (msgs) => msgs.some((m) => m.event === 'deployment.completed' && payload(m).deploymentId === id),
      60_000,
    );
    await ws.waitFor(
      (msgs) =>
        msgs.some(
          (m) => m.type === 'deployment.completed' && (m.data as Record<string, unknown>).deploymentId === id,
        ),
      60_000,
    );
    const sseEvents = sse.events().filter((m) => payload(m).deploymentId === id);
    const wsEvents = ws.events('deps').filter((m) => (m.data as Record<string, unknown>).deploymentId === id);
    const types = sseEvents.map((m) => m.event);
    expect(types[0]).toBe('deployment.created');
    expect(types[types.length - 1]).toBe('deployment.completed');
    expect(types).toContain('deployment.progress');
    expect(wsEvents.map((m) => m.seq)).toEqual(sseEvents.map((m) => m.id));
    expect(wsEvents.map((m) => m.type)).toEqual(types);
    expect(payload(sseEvents[0]!)).toMatchObject({
      deploymentId: id,
      module: 'payment-processor',
      requestedBy: 'dana',
    });

    // Exactly what the API's history holds for the deployment, in the same order.
    const history = await request(t.server)
      .get(`/api/v1/events?types=deployment.*&deploymentId=${id}&limit=1000`)
      .set(...bearer(viewer));
    expect((history.body.items as { seq: string }[]).map((e) => e.seq)).toEqual(sseEvents.map((m) => m.id));
    sse.close();
    ws.close();
  });

  it('replays exactly the events missed while disconnected (Last-Event-ID / since), then continues live', async () => {
    const path = '/api/v1/events/stream?types=node.*&environment=qa';
    const first = SseClient.open(gateway.url, path, { Authorization: bearer(viewer)[1] });
    expect(await first.opened).toBe(200);
    const marker = (await db.query<{ seq: string }>(INSERT_EVENT, ['{"n":-1}'])).rows[0]!.seq;
    await first.waitFor((m) => m.some((x) => x.id === marker));
    first.close();

    const missed: string[] = [];
    for (let n = 0; n < 50; n++)
      missed.push((await db.query<{ seq: string }>(INSERT_EVENT, [JSON.stringify({ n })])).rows[0]!.seq);

    const sse = SseClient.open(gateway.url, path, {
      Authorization: bearer(viewer)[1],
      'Last-Event-ID': marker,
    });
    const ws = await EventSocket.connect(gateway.url);
    await ws.authenticate(viewer.accessToken);
    ws.send({ op: 'subscribe', id: 'r', types: ['node.*'], environment: 'qa', since: marker });
    await sse.waitFor((m) => m.filter((x) => x.id !== undefined).length >= 50);
    await ws.waitFor(() => ws.events('r').length >= 50);
    const live = (await db.query<{ seq: string }>(INSERT_EVENT, ['{"n":50}'])).rows[0]!.seq;
    await sse.waitFor((m) => m.some((x) => x.id === live));
    await ws.waitFor(() => ws.events('r').some((x) => x.seq === live));
    await new Promise((r) => setTimeout(r, 200));
    expect(sse.events().map((m) => m.id)).toEqual([...missed, live]);
    expect(ws.events('r').map((m) => m.seq)).toEqual([...missed, live]);
    sse.close();
    ws.close();
  });

  it('refuses no token, a bad token, a logged-out session, a revoked API token and used or expired tickets; an API ticket works once', async () => {
    expect((await request(gateway.url).get('/api/v1/events/stream')).status).toBe(401);
    const bad = await request(gateway.url)
      .get('/api/v1/events/stream')
      .set('Authorization', 'Bearer not.a.token');
    expect(bad.status).toBe(401);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect((await request(gateway.url).get('/api/v1/events/stream?ticket=hst_nope')).status).toBe(401);

    const issued = await request(t.server)
      .post('/api/v1/events/tickets')
      .set(...bearer(viewer));
    expect(issued.status).toBe(201);
    const ticket = issued.body.ticket as string;
    const sse = SseClient.open(gateway.url, `/api/v1/events/stream?ticket=${ticket}`);
    expect(await sse.opened).toBe(200);
    sse.close();
    const again = SseClient.open(gateway.url, `/api/v1/events/stream?ticket=${ticket}`);
    expect(await again.opened).toBe(401);

    const expired = (
      await request(t.server)
        .post('/api/v1/events/tickets')
        .set(...bearer(viewer))
    ).body.ticket as string;
    await db.query(`UPDATE event_stream_tickets SET expires_at = now() - interval '1 second'`);
    expect((await request(gateway.url).get(`/api/v1/events/stream?ticket=${expired}`)).status).toBe(401);

    // A session ended on the API is refused by the gateway (session state from the shared database).
    const leaving = await createUser(t.server, admin, 'lou', ['Viewer']);
    const before = SseClient.open(gateway.url, '/api/v1/events/stream', {
      Authorization: bearer(leaving)[1],
    });
    expect(await before.opened).toBe(200);
    before.close();
    expect(
      (
        await request(t.server)
          .post('/api/v1/authentication/logout')
          .set(...bearer(leaving))
      ).status,
    ).toBeLessThan(300);
    expect(
      (
        await request(gateway.url)
          .get('/api/v1/events/stream')
          .set(...bearer(leaving))
      ).status,
    ).toBe(401);

    // API tokens: the API's rules (scopes capped by the owner), checked in the shared database.
    const created = await request(t.server)
      .post('/api/v1/api-tokens')
      .set(...bearer(deployer))
      .send({ name: 'console', roles: ['Viewer'] });
    expect(created.status).toBe(201);
    const apiToken = created.body.token as string;
    const byApiToken = SseClient.open(gateway.url, '/api/v1/events/stream', {
      Authorization: `Bearer ${apiToken}`,
    });
    expect(await byApiToken.opened).toBe(200);
    byApiToken.close();
    const wsApiToken = await EventSocket.connect(gateway.url);
    await wsApiToken.authenticate(apiToken);
    wsApiToken.close();
    expect(
      (
        await request(t.server)
          .delete(`/api/v1/api-tokens/${created.body.id as string}`)
          .set(...bearer(deployer))
      ).status,
    ).toBeLessThan(300);
    expect(
      (await request(gateway.url).get('/api/v1/events/stream').set('Authorization', `Bearer ${apiToken}`))
        .status,
    ).toBe(401);

    const silent = await EventSocket.connect(gateway.url);
    expect(await silent.waitForClose()).toBe(4401);
    const wrong = await EventSocket.connect(gateway.url);
    wrong.send({ op: 'auth', token: 'not.a.token' });
    expect(await wrong.waitForClose()).toBe(4403);
    const early = await EventSocket.connect(gateway.url);
    early.send({ op: 'subscribe', types: ['deployment.*'] });
    expect(await early.waitForClose()).toBe(4403);
    const wsTicket = (
      await request(t.server)
        .post('/api/v1/events/tickets')
        .set(...bearer(viewer))
    ).body.ticket as string;
    const withTicket = await EventSocket.connect(gateway.url);
    withTicket.send({ op: 'auth', ticket: wsTicket });
    await withTicket.waitFor((m) => m.some((x) => x.op === 'authenticated'));
    withTicket.close();
  });

  it('gives a user without a reading role nothing and validates filters like the API', async () => {
    const forbidden = await request(gateway.url)
      .get('/api/v1/events/stream')
      .set(...bearer(nobody));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ code: 'forbidden' });
    const ws = await EventSocket.connect(gateway.url);
    await ws.authenticate(nobody.accessToken);
    ws.send({ op: 'subscribe', id: 'n', types: ['deployment.*'] });
    await ws.waitFor((m) => m.some((x) => x.op === 'error'));
    expect(ws.messages.find((x) => x.op === 'error')).toMatchObject({ code: 'forbidden', id: 'n' });
    await db.query(INSERT_EVENT, ['{"secret":false}']);
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.events()).toEqual([]);
    ws.close();

    const invalid = await request(gateway.url)
      .get('/api/v1/events/stream?types=audit.*,deployment.nope&deploymentId=x&since=-1')
      .set(...bearer(viewer));
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(
      ['deploymentId', 'since', 'types', 'types'].sort(),
    );
    expect(
      (
        await request(gateway.url)
          .get('/api/v1/deployments')
          .set(...bearer(viewer))
      ).status,
    ).toBe(404);
  });

  it('disconnects a client that stops reading with overflow; another client gets every event meanwhile', async () => {
    const headers = { Authorization: bearer(viewer)[1] };
    const slow = SseClient.open(gateway.url, '/api/v1/events/stream?types=node.*&environment=ov', headers);
    const fast = SseClient.open(gateway.url, '/api/v1/events/stream?types=node.*&environment=ov', headers);
    expect(await slow.opened).toBe(200);
    expect(await fast.opened).toBe(200);
    slow.pause();
    const filler = 'x'.repeat(2_000);
    let last = '';
    for (let batch = 0; batch < 6; batch++) {
      const rows = await db.query<{ seq: string }>(
        `INSERT INTO events (type, environment, payload) SELECT 'node.status_changed', 'ov', jsonb_build_object('i', i, 'filler', $1::text) FROM generate_series(1, 2000) i RETURNING seq::text`,
        [filler],
      );
      last = rows.rows[rows.rows.length - 1]!.seq;
    }
    await fast.waitFor((m) => m.some((x) => x.id === last), 60_000);
    expect(fast.events().length).toBe(12_000);
    expect(fast.messages.some((m) => m.event === 'overflow')).toBe(false);
    slow.resume();
    await slow.waitForEnd(30_000);
    expect(slow.messages[slow.messages.length - 1]!.event).toBe('overflow');
    expect(slow.events().length).toBeLessThan(12_000);
    fast.close();
  });

  it("exports the API's stream metrics at /metrics: subscribers by transport, relayed events, delivery times", async () => {
    const sse = SseClient.open(gateway.url, '/api/v1/events/stream?types=node.*&environment=metrics', {
      Authorization: bearer(viewer)[1],
    });
    expect(await sse.opened).toBe(200);
    const ws = await EventSocket.connect(gateway.url);
    await ws.authenticate(viewer.accessToken);
    ws.send({ op: 'subscribe', id: 'm', types: ['node.*'], environment: 'metrics' });
    await ws.waitFor((m) => m.some((x) => x.op === 'subscribed'));
    const seq = (
      await db.query<{ seq: string }>(
        `INSERT INTO events (type, environment, payload) VALUES ('node.status_changed', 'metrics', '{}') RETURNING seq::text`,
      )
    ).rows[0]!.seq;
    await sse.waitFor((m) => m.some((x) => x.id === seq));
    await ws.waitFor(() => ws.events('m').some((x) => x.seq === seq));

    const scrape = async () => {
      const res = await request(gateway.url).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      return res.text;
    };
    const gauge = (text: string, transport: string) =>
      Number(
        new RegExp(`^hotswap_event_subscribers\\{transport="${transport}"\\} (\\d+)$`, 'm').exec(text)?.[1],
      );
    const open = await scrape();
    expect(gauge(open, 'sse')).toBeGreaterThanOrEqual(1);
    expect(gauge(open, 'ws')).toBeGreaterThanOrEqual(1);
    expect(open).toMatch(/^hotswap_events_published_total\{type="node.status_changed"\} [1-9]\d*$/m);
    for (const transport of ['sse', 'ws'])
      expect(
        Number(
          new RegExp(`^hotswap_event_delivery_seconds_count\\{transport="${transport}"\\} (\\d+)$`, 'm').exec(
            open,
          )?.[1],
        ),
      ).toBeGreaterThanOrEqual(1);
    expect(open).toContain('hotswap_event_delivery_seconds_bucket{le="0.05",transport="sse"}');
    expect(open).toContain('process_resident_memory_bytes');

    sse.close();
    ws.close();
    const deadline = Date.now() + 5_000;
    let closed = await scrape();
    while (
      (gauge(closed, 'sse') >= gauge(open, 'sse') || gauge(closed, 'ws') >= gauge(open, 'ws')) &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, 50));
      closed = await scrape();
    }
    expect(gauge(closed, 'sse')).toBe(gauge(open, 'sse') - 1);
    expect(gauge(closed, 'ws')).toBe(gauge(open, 'ws') - 1);
  });

  describe('with CORS_ORIGINS and a streams budget (RATE_LIMIT_STREAMS)', () => {
    let limited: ApiProcess;
    const consoleOrigin = 'https://console.example.com';

    beforeAll(async () => {
      limited = ApiProcess.start(GATEWAY_ENTRY, {
        DATABASE_URL: t.database.url,
        JWT_SECRET: secret,
        LOG_LEVEL: 'info',
        CORS_ORIGINS: `${consoleOrigin}, http://localhost:5173`,
        RATE_LIMIT_STREAMS: '3',
        RATE_LIMIT_WINDOW_SECONDS: '60',
      });
      await limited.waitUntilReady(30_000);
    });

    afterAll(async () => {
      await limited?.dispose();
    });

    it("answers CORS like the API: listed origins only, with credentials and the API's exposed headers", async () => {
      const preflight = await request(limited.url)
        .options('/api/v1/events/stream')
        .set('Origin', consoleOrigin)
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization,last-event-id');
      expect(preflight.status).toBe(204);
      expect(preflight.headers['access-control-allow-origin']).toBe(consoleOrigin);
      expect(preflight.headers['access-control-allow-credentials']).toBe('true');
      expect(preflight.headers['access-control-allow-headers']).toBe('authorization,last-event-id');
      expect(preflight.headers['access-control-max-age']).toBe('600');
      const other = await request(limited.url)
        .options('/api/v1/events/stream')
        .set('Origin', 'https://evil.example.net')
        .set('Access-Control-Request-Method', 'GET');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();

      const sse = SseClient.open(limited.url, '/api/v1/events/stream', {
        Authorization: bearer(admin)[1],
        Origin: consoleOrigin,
      });
      expect(await sse.opened).toBe(200);
      expect(sse.headers['access-control-allow-origin']).toBe(consoleOrigin);
      expect(sse.headers['access-control-expose-headers']).toContain('RateLimit-Remaining');
      sse.close();
      const refused = await request(limited.url).get('/api/v1/events/stream').set('Origin', consoleOrigin);
      expect(refused.status).toBe(401);
      expect(refused.headers['access-control-allow-origin']).toBe(consoleOrigin);

      // Without CORS_ORIGINS (the other gateway), no CORS headers at all, as on the API.
      const none = await request(gateway.url).get('/health/live').set('Origin', consoleOrigin);
      expect(none.headers['access-control-allow-origin']).toBeUndefined();
    });

    it("counts SSE streams a caller opens against the API's streams budget, shared with the API", async () => {
      const caller = await createUser(t.server, admin, 'rae', ['Viewer']);
      const headers = { Authorization: bearer(caller)[1] };
      const first = SseClient.open(limited.url, '/api/v1/events/stream', headers);
      expect(await first.opened).toBe(200);
      expect(first.headers['ratelimit-limit']).toBe('3');
      expect(first.headers['ratelimit-remaining']).toBe('2');
      expect(first.headers['ratelimit-policy']).toBe('3;w=60;name="streams"');
      first.close();
      // The API's own stream route counts in the same counter: one budget per caller across servers.
      const onApi = SseClient.open(t.server, '/api/v1/events/stream', headers);
      expect(await onApi.opened).toBe(200);
      onApi.close();
      const third = SseClient.open(limited.url, '/api/v1/events/stream', headers);
      expect(await third.opened).toBe(200);
      expect(third.headers['ratelimit-remaining']).toBe('0');
      third.close();
      const over = await request(limited.url)
        .get('/api/v1/events/stream')
        .set(...bearer(caller));
      expect(over.status).toBe(429);
      expect(over.body).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(over.headers['ratelimit-remaining']).toBe('0');
      // Another caller has a budget of its own.
      const someone = await createUser(t.server, admin, 'sam', ['Viewer']);
      const other = SseClient.open(limited.url, '/api/v1/events/stream', {
        Authorization: bearer(someone)[1],
      });
      expect(await other.opened).toBe(200);
      other.close();
    });
  });
});
