import { EventRetentionJob } from '@hotswap/events';
import type http from 'node:http';
import request from 'supertest';
import { bearer, createUser } from './auth';
import { EventSocket, SseClient } from './event-clients';
import { INSERT_EVENT, payload, type EventScenario } from './event-scenario';
import type { TestApp } from './test-app';

/** What the contract runs against: the API (writes events, issues tickets) and the stream server. */
export interface StreamContractContext {
  readonly t: TestApp;
  /** Where `GET /api/v1/events/stream`, `/ws` and `/metrics` are served: the API's server or a gateway URL. */
  readonly streams: http.Server | string;
  readonly scenario: EventScenario;
}

/**
 * The live-event contract (events spec §2–3, §5) as one suite, run against every server of the
 * streams — the API's own and the event gateway process (DR-35) — so that neither can drift. The
 * caller starts the servers (in `beforeAll`) with: the fleet simulation on (3 Development nodes),
 * `EVENTS_RETENTION_DAYS=1`, `EVENTS_WS_AUTH_TIMEOUT_MS=300`, `EVENTS_CLIENT_BUFFER_BYTES=2097152`,
 * `EVENTS_HEARTBEAT_MS=1000` (WebSocket pings too: a socket that stops reading is terminated after two
 * unanswered ones, which must not beat its overflow), `EVENTS_MAX_STREAMS_PER_USER=6` and a streams
 * budget (`RATE_LIMIT_STREAMS`) above what the suite opens.
 * Declares its tests in the order the events they commit rely on.
 */
export function describeEventStreamContract(context: () => StreamContractContext): void {
  it("streams a deployment's full lifecycle on SSE and WebSocket, in seq order, with the catalogue's payloads", async () => {
    const { t, streams, scenario } = context();
    const { viewer, deployer } = scenario;
    const sse = SseClient.open(streams, '/api/v1/events/stream?types=deployment.*', {
      Authorization: bearer(viewer)[1],
    });
    expect(await sse.opened).toBe(200);
    const ws = await EventSocket.connect(streams);
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

    // Exactly what the API's history holds for the deployment, in the same order.
    const history = await request(t.server)
      .get(`/api/v1/events?types=deployment.*&deploymentId=${id}&limit=1000`)
      .set(...bearer(viewer));
    expect(history.status).toBe(200);
    expect((history.body.items as { seq: string }[]).map((e) => e.seq)).toEqual(sseEvents.map((m) => m.id));
    sse.close();
    ws.close();
  });

  it('replays exactly the events missed while disconnected (Last-Event-ID / since), in order, then continues live', async () => {
    const { streams, scenario } = context();
    const { viewer, db } = scenario;
    const path = '/api/v1/events/stream?types=node.*&environment=qa';
    const first = SseClient.open(streams, path, { Authorization: bearer(viewer)[1] });
    expect(await first.opened).toBe(200);
    const marker = (await db.query<{ seq: string }>(INSERT_EVENT, ['{"n":-1}'])).rows[0]!.seq;
    await first.waitFor((m) => m.some((x) => x.id === marker));
    first.close();

    const missed: string[] = [];
    for (let n = 0; n < 50; n++)
      missed.push((await db.query<{ seq: string }>(INSERT_EVENT, [JSON.stringify({ n })])).rows[0]!.seq);

    const sse = SseClient.open(streams, path, { Authorization: bearer(viewer)[1], 'Last-Event-ID': marker });
    const ws = await EventSocket.connect(streams);
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
    const { t, streams, scenario } = context();
    const { viewer, db } = scenario;
    const old = (
      await db.query<{ seq: string }>(
        `INSERT INTO events (type, environment, payload, at) VALUES ('node.status_changed', 'qa', '{}', now() - interval '3 days') RETURNING seq::text`,
      )
    ).rows[0]!.seq;
    // The API's leader prunes; every stream server reads the pruned watermark from the database.
    expect(await t.app.get(EventRetentionJob).runOnce()).toBeGreaterThan(0);
    const cursor = (BigInt(old) - 1n).toString();
    const sse = SseClient.open(streams, `/api/v1/events/stream?since=${cursor}`, {
      Authorization: bearer(viewer)[1],
    });
    await sse.waitFor((m) => m.length >= 1);
    expect(sse.messages[0]!.event).toBe('resync');
    const ws = await EventSocket.connect(streams);
    await ws.authenticate(viewer.accessToken);
    ws.send({ op: 'subscribe', id: 'x', since: cursor });
    await ws.waitFor((m) => m.some((x) => x.op === 'resync'));
    expect(ws.messages.filter((x) => x.op === 'event')).toEqual([]);
    const live = (await db.query<{ seq: string }>(INSERT_EVENT, ['{"after":true}'])).rows[0]!.seq;
    await sse.waitFor((m) => m.some((x) => x.id === live));
    sse.close();
    ws.close();
  });

  it('refuses no token, a bad token, a logged-out session, a revoked API token and used or expired tickets; a ticket works once', async () => {
    const { t, streams, scenario } = context();
    const { admin, deployer, viewer, db } = scenario;
    expect((await request(streams).get('/api/v1/events/stream')).status).toBe(401);
    const bad = await request(streams)
      .get('/api/v1/events/stream')
      .set('Authorization', 'Bearer not.a.token');
    expect(bad.status).toBe(401);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body).toMatchObject({ status: 401, code: 'unauthenticated' });
    expect((await request(streams).get('/api/v1/events/stream?ticket=hst_nope')).status).toBe(401);

    const issued = await request(t.server)
      .post('/api/v1/events/tickets')
      .set(...bearer(viewer));
    expect(issued.status).toBe(201);
    const ticket = issued.body.ticket as string;
    const sse = SseClient.open(streams, `/api/v1/events/stream?ticket=${ticket}`);
    expect(await sse.opened).toBe(200);
    sse.close();
    const again = SseClient.open(streams, `/api/v1/events/stream?ticket=${ticket}`);
    expect(await again.opened).toBe(401);

    const expiring = (
      await request(t.server)
        .post('/api/v1/events/tickets')
        .set(...bearer(viewer))
    ).body.ticket as string;
    await db.query(`UPDATE event_stream_tickets SET expires_at = now() - interval '1 second'`);
    expect((await request(streams).get(`/api/v1/events/stream?ticket=${expiring}`)).status).toBe(401);

    // A session ended on the API is refused (session state from the shared database).
    const leaving = await createUser(t.server, admin, 'lou', ['Viewer']);
    const before = SseClient.open(streams, '/api/v1/events/stream', { Authorization: bearer(leaving)[1] });
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
        await request(streams)
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
    const byApiToken = SseClient.open(streams, '/api/v1/events/stream', {
      Authorization: `Bearer ${apiToken}`,
    });
    expect(await byApiToken.opened).toBe(200);
    byApiToken.close();
    const wsApiToken = await EventSocket.connect(streams);
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
      (await request(streams).get('/api/v1/events/stream').set('Authorization', `Bearer ${apiToken}`)).status,
    ).toBe(401);

    // WebSocket: no auth in time, a bad token, a message before auth, an expired ticket; a ticket works.
    const silent = await EventSocket.connect(streams);
    expect(await silent.waitForClose()).toBe(4401);
    const wrong = await EventSocket.connect(streams);
    wrong.send({ op: 'auth', token: 'not.a.token' });
    expect(await wrong.waitForClose()).toBe(4403);
    const early = await EventSocket.connect(streams);
    early.send({ op: 'subscribe', types: ['deployment.*'] });
    expect(await early.waitForClose()).toBe(4403);
    const expired = (
      await request(t.server)
        .post('/api/v1/events/tickets')
        .set(...bearer(viewer))
    ).body.ticket as string;
    await db.query(`UPDATE event_stream_tickets SET expires_at = now() - interval '1 second'`);
    const late = await EventSocket.connect(streams);
    late.send({ op: 'auth', ticket: expired });
    expect(await late.waitForClose()).toBe(4403);
    const wsTicket = (
      await request(t.server)
        .post('/api/v1/events/tickets')
        .set(...bearer(viewer))
    ).body.ticket as string;
    const withTicket = await EventSocket.connect(streams);
    withTicket.send({ op: 'auth', ticket: wsTicket });
    await withTicket.waitFor((m) => m.some((x) => x.op === 'authenticated'));
    withTicket.close();
  });

  it('gives a user without a reading role no events, and validates filters', async () => {
    const { streams, scenario } = context();
    const { viewer, nobody, db } = scenario;
    const forbidden = await request(streams)
      .get('/api/v1/events/stream')
      .set(...bearer(nobody));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ code: 'forbidden' });
    const ws = await EventSocket.connect(streams);
    await ws.authenticate(nobody.accessToken);
    ws.send({ op: 'subscribe', id: 'n', types: ['deployment.*'] });
    await ws.waitFor((m) => m.some((x) => x.op === 'error'));
    expect(ws.messages.find((x) => x.op === 'error')).toMatchObject({ code: 'forbidden', id: 'n' });
    await db.query(INSERT_EVENT, ['{"secret":false}']);
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.events()).toEqual([]);
    ws.close();

    const invalid = await request(streams)
      .get('/api/v1/events/stream?types=audit.*,deployment.nope&deploymentId=x&since=-1')
      .set(...bearer(viewer));
    expect(invalid.status).toBe(400);
    expect((invalid.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(
      ['deploymentId', 'since', 'types', 'types'].sort(),
    );
  });

  it('disconnects a client that stops reading with overflow; another client gets every event meanwhile', async () => {
    const { streams, scenario } = context();
    const { viewer, db } = scenario;
    const headers = { Authorization: bearer(viewer)[1] };
    const path = '/api/v1/events/stream?types=node.*&environment=ov';
    const slow = SseClient.open(streams, path, headers);
    const fast = SseClient.open(streams, path, headers);
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

  it('disconnects a WebSocket client that stops reading with overflow (close 4408); another socket gets every event meanwhile', async () => {
    const { streams, scenario } = context();
    const { viewer, db } = scenario;
    const subscribe = async (id: string) => {
      const socket = await EventSocket.connect(streams);
      await socket.authenticate(viewer.accessToken);
      socket.send({ op: 'subscribe', id, types: ['node.*'], environment: 'wsov' });
      await socket.waitFor((m) => m.some((x) => x.op === 'subscribed'));
      return socket;
    };
    const slow = await subscribe('slow');
    const fast = await subscribe('fast');
    slow.pause();
    const filler = 'x'.repeat(2_000);
    let last = '';
    for (let batch = 0; batch < 6; batch++) {
      const rows = await db.query<{ seq: string }>(
        `INSERT INTO events (type, environment, payload) SELECT 'node.status_changed', 'wsov', jsonb_build_object('i', i, 'filler', $1::text) FROM generate_series(1, 2000) i RETURNING seq::text`,
        [filler],
      );
      last = rows.rows[rows.rows.length - 1]!.seq;
    }
    await fast.waitFor(() => fast.events('fast').some((x) => x.seq === last), 60_000);
    expect(fast.events('fast').length).toBe(12_000);
    expect(fast.messages.some((m) => m.op === 'overflow')).toBe(false);
    expect(fast.closeCode).toBeUndefined();
    // More than two heartbeats (pings) pass unanswered: the slow socket, closing since its overflow,
    // must still deliver the final message once its client reads again.
    await new Promise((r) => setTimeout(r, 2_200));
    slow.resume();
    expect(await slow.waitForClose(30_000)).toBe(4408);
    expect(slow.messages[slow.messages.length - 1]).toMatchObject({ op: 'overflow', subscription: 'slow' });
    expect(slow.events('slow').length).toBeLessThan(12_000);
    fast.close();
  });

  it('matches the environment filter case-insensitively: SSE and WebSocket replay and live events, and the history', async () => {
    const { t, streams, scenario } = context();
    const { viewer, db } = scenario;
    const insert = async (environment: string, n: number): Promise<string> =>
      (
        await db.query<{ seq: string }>(
          `INSERT INTO events (type, environment, payload) VALUES ('node.status_changed', $1, jsonb_build_object('n', $2::int)) RETURNING seq::text`,
          [environment, n],
        )
      ).rows[0]!.seq;
    const marker = await insert('Case-Marker', 0);
    // Replayed from the log: the canonical spelling, another spelling, and a different environment.
    const replayed = [await insert('Case-Env', 1), await insert('case-env', 2)];
    await insert('Case-Envs', 3);

    const sse = SseClient.open(
      streams,
      `/api/v1/events/stream?types=node.*&environment=CASE-ENV&since=${marker}`,
      {
        Authorization: bearer(viewer)[1],
      },
    );
    expect(await sse.opened).toBe(200);
    const ws = await EventSocket.connect(streams);
    await ws.authenticate(viewer.accessToken);
    ws.send({ op: 'subscribe', id: 'c', types: ['node.*'], environment: 'case-ENV', since: marker });
    await sse.waitFor(() => sse.events().length >= 2);
    await ws.waitFor(() => ws.events('c').length >= 2);

    // Live: the other environment first, so that it would have arrived before the match if let through.
    await insert('Case-Envs', 4);
    const live = await insert('CASE-env', 5);
    await sse.waitFor((m) => m.some((x) => x.id === live));
    await ws.waitFor(() => ws.events('c').some((x) => x.seq === live));
    expect(sse.events().map((m) => m.id)).toEqual([...replayed, live]);
    expect(ws.events('c').map((m) => m.seq)).toEqual([...replayed, live]);

    const history = await request(t.server)
      .get(`/api/v1/events?types=node.*&environment=case-env&since=${marker}`)
      .set(...bearer(viewer));
    expect(history.status).toBe(200);
    expect((history.body.items as { seq: string }[]).map((e) => e.seq)).toEqual([...replayed, live]);
    sse.close();
    ws.close();
  });

  it('limits open streams per user (SSE streams plus WebSocket subscriptions): 429 naming the limit; closing one frees a slot', async () => {
    const { t, streams, scenario } = context();
    const limit = 6;
    const user = await createUser(t.server, scenario.admin, 'lim', ['Viewer']);
    const headers = { Authorization: bearer(user)[1] };
    const open: SseClient[] = [];
    for (let i = 0; i < limit - 2; i++) {
      const sse = SseClient.open(streams, '/api/v1/events/stream?types=node.*', headers);
      expect(await sse.opened).toBe(200);
      open.push(sse);
    }
    const ws = await EventSocket.connect(streams);
    await ws.authenticate(user.accessToken);
    for (const id of ['w1', 'w2']) ws.send({ op: 'subscribe', id, types: ['node.*'] });
    await ws.waitFor((m) => m.filter((x) => x.op === 'subscribed').length === 2);

    // (Opened as a stream: were the limit not applied, it would stay open rather than answer.)
    const over = SseClient.open(streams, '/api/v1/events/stream?types=node.*', headers);
    const status = await over.opened;
    if (status === 200) over.close();
    expect(status).toBe(429);
    await over.waitForEnd();
    expect(over.headers['content-type']).toContain('application/problem+json');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    const problem = JSON.parse(over.body) as Record<string, unknown>;
    expect(problem).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(problem.detail).toContain(`at most ${limit} open event streams per user`);
    ws.send({ op: 'subscribe', id: 'w3', types: ['node.*'] });
    await ws.waitFor((m) => m.some((x) => x.op === 'error' && x.id === 'w3'));
    expect(ws.messages.find((x) => x.op === 'error' && x.id === 'w3')).toMatchObject({
      code: 'too_many_streams',
      message: expect.stringContaining(`at most ${limit}`) as unknown,
    });
    // Another user is not affected.
    const other = SseClient.open(streams, '/api/v1/events/stream?types=node.*', {
      Authorization: bearer(scenario.viewer)[1],
    });
    expect(await other.opened).toBe(200);
    other.close();

    // Closing a stream frees its slot (once the server has seen the disconnect).
    open.pop()!.close();
    let again: SseClient | undefined;
    const deadline = Date.now() + 10_000;
    while (again === undefined) {
      const attempt = SseClient.open(streams, '/api/v1/events/stream?types=node.*', headers);
      if ((await attempt.opened) === 200) again = attempt;
      else if (Date.now() > deadline) throw new Error('the closed stream did not free its slot');
      else await new Promise((r) => setTimeout(r, 50));
    }
    again.close();
    for (const sse of open) sse.close();
    ws.close();
  });

  it('sends heartbeat comments on idle streams and exports the stream metrics', async () => {
    const { streams, scenario } = context();
    const sse = SseClient.open(streams, '/api/v1/events/stream?types=approval.*', {
      Authorization: bearer(scenario.viewer)[1],
    });
    expect(await sse.opened).toBe(200);
    await sse.waitFor(() => sse.comments.includes('heartbeat'), 5_000);
    const metrics = await request(streams).get('/metrics');
    expect(metrics.text).toContain('hotswap_event_subscribers{transport="sse"}');
    expect(metrics.text).toMatch(/hotswap_events_published_total\{type="node.status_changed"\} \d+/);
    expect(metrics.text).toContain('hotswap_event_delivery_seconds_bucket');
    sse.close();
  });
}
