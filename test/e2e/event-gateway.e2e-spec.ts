import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { bearer, createUser } from './support/auth';
import { EventSocket, SseClient } from './support/event-clients';
import { describeEventStreamContract } from './support/event-contract';
import { prepareEventScenario, type EventScenario } from './support/event-scenario';
import { ApiProcess, GATEWAY_ENTRY } from './support/processes';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The standalone event gateway (DR-35) as a process of its own on the real PostgreSQL server, beside
 * the API that writes the events and issues the tokens and tickets: the same live-event contract as
 * the API's own streams (support/event-contract.ts), plus what is the gateway's own.
 */
describe('event gateway process: SSE and /ws served apart from the API', () => {
  let t: TestApp;
  let gateway: ApiProcess;
  let scenario: EventScenario;
  const secret = randomBytes(48).toString('base64url');

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        JWT_SECRET: secret,
        FLEET_SIMULATION: 'true',
        FLEET_SIMULATION_NODES: '3,0,0,0',
        HEARTBEAT_INTERVAL_MS: '200',
        QUEUE_POLLING_INTERVAL_MS: '500',
        EVENTS_RETENTION_DAYS: '1',
      },
    });
    gateway = ApiProcess.start(GATEWAY_ENTRY, {
      DATABASE_URL: t.database.url,
      JWT_SECRET: secret,
      LOG_LEVEL: 'info',
      AUTH_STATE_CACHE_MS: '0',
      EVENTS_WS_AUTH_TIMEOUT_MS: '300',
      EVENTS_CLIENT_BUFFER_BYTES: '2097152',
      EVENTS_HEARTBEAT_MS: '1000',
      EVENTS_MAX_STREAMS_PER_USER: '6',
      RATE_LIMIT_STREAMS: '1000',
    });
    await gateway.waitUntilReady(30_000);
    scenario = await prepareEventScenario(t);
  });

  afterAll(async () => {
    await gateway?.dispose();
    await scenario?.db.end();
    await t?.close();
  });

  describeEventStreamContract(() => ({ t, streams: gateway.url, scenario }));

  it('serves only the streams, the probes and the metrics', async () => {
    expect(
      (
        await request(gateway.url)
          .get('/api/v1/deployments')
          .set(...bearer(scenario.viewer))
      ).status,
    ).toBe(404);
    expect((await request(gateway.url).get('/health/live')).status).toBe(200);
    expect((await request(gateway.url).get('/health/ready')).status).toBe(200);
  });

  it("exports the API's stream metrics at /metrics: subscribers by transport, relayed events, delivery times", async () => {
    const { viewer, db } = scenario;
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
        TRUST_PROXY: 'loopback',
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
        Authorization: bearer(scenario.admin)[1],
        Origin: consoleOrigin,
      });
      expect(await sse.opened).toBe(200);
      expect(sse.headers['access-control-allow-origin']).toBe(consoleOrigin);
      expect(sse.headers['access-control-expose-headers']).toContain('RateLimit-Remaining');
      sse.close();
      // (An address of its own: anonymous requests count per client address, across every server.)
      const refused = await request(limited.url)
        .get('/api/v1/events/stream')
        .set('Origin', consoleOrigin)
        .set('X-Forwarded-For', '192.0.2.10');
      expect(refused.status).toBe(401);
      expect(refused.headers['access-control-allow-origin']).toBe(consoleOrigin);

      // Without CORS_ORIGINS (the other gateway), no CORS headers at all, as on the API.
      const none = await request(gateway.url).get('/health/live').set('Origin', consoleOrigin);
      expect(none.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('counts requests without a valid bearer by client address, X-Forwarded-For only from TRUST_PROXY', async () => {
      const from = (address: string) =>
        request(limited.url).get('/api/v1/events/stream').set('X-Forwarded-For', address);
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await from('203.0.113.7'));
      expect(answers.map((r) => [r.status, r.headers['ratelimit-remaining']])).toEqual([
        [401, '2'],
        [401, '1'],
        [401, '0'],
      ]);
      const over = await from('203.0.113.7');
      expect(over.status).toBe(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      // A bad token counts against the address too; another address has a budget of its own.
      const badToken = await from('203.0.113.7').set('Authorization', 'Bearer not-a-token');
      expect(badToken.status).toBe(429);
      const other = await from('203.0.113.8');
      expect([other.status, other.headers['ratelimit-remaining']]).toEqual([401, '2']);
      // Without TRUST_PROXY (the other gateway) the header is not believed: one budget for the socket's address.
      const first = await request(gateway.url)
        .get('/api/v1/events/stream')
        .set('X-Forwarded-For', '198.51.100.1');
      const second = await request(gateway.url)
        .get('/api/v1/events/stream')
        .set('X-Forwarded-For', '198.51.100.2');
      expect([first.status, second.status]).toEqual([401, 401]);
      expect(Number(second.headers['ratelimit-remaining'])).toBe(
        Number(first.headers['ratelimit-remaining']) - 1,
      );
    });

    it("counts SSE streams a caller opens against the API's streams budget, shared with the API", async () => {
      const { admin } = scenario;
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
