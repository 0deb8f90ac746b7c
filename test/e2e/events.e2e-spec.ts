import request from 'supertest';
import { bearer } from './support/auth';
import { describeEventStreamContract } from './support/event-contract';
import { prepareEventScenario, type EventScenario } from './support/event-scenario';
import { startTestApp, type TestApp } from './support/test-app';

/** The API's own streams: the live-event contract (support/event-contract.ts), plus its history and ticket routes. */
describe('live events: SSE, WebSocket, replay, authorization', () => {
  let t: TestApp;
  let scenario: EventScenario;

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
        EVENTS_HEARTBEAT_MS: '1000',
        EVENTS_MAX_STREAMS_PER_USER: '6',
        RATE_LIMIT_STREAMS: '1000',
      },
    });
    scenario = await prepareEventScenario(t);
  });

  afterAll(async () => {
    await scenario?.db.end();
    await t?.close();
  });

  describeEventStreamContract(() => ({ t, streams: t.server, scenario }));

  it('pages through the history: every event once, in seq order, by nextSince; types and environment filter it', async () => {
    const { viewer, db } = scenario;
    const inserted = (
      await db.query<{ seq: string; type: string }>(
        `INSERT INTO events (type, environment, payload)
           SELECT CASE WHEN i % 3 = 0 THEN 'node.registered' ELSE 'node.status_changed' END, 'paging', jsonb_build_object('i', i)
             FROM generate_series(1, 25) i RETURNING seq::text, type`,
      )
    ).rows.sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
    // Other events in between that the filter leaves out.
    await db.query(
      `INSERT INTO events (type, environment, payload) VALUES ('node.status_changed', 'paging2', '{}')`,
    );
    const page = async (query: string) => {
      const res = await request(t.server)
        .get(`/api/v1/events?${query}`)
        .set(...bearer(viewer));
      expect(res.status).toBe(200);
      return res.body as {
        items: { seq: string; type: string; data: Record<string, unknown> }[];
        nextSince: string | null;
      };
    };

    const seen: string[] = [];
    const sizes: number[] = [];
    let since: string | null = '0';
    while (since !== null) {
      const body = await page(`environment=paging&limit=7&since=${since}`);
      sizes.push(body.items.length);
      seen.push(...body.items.map((e) => e.seq));
      if (body.nextSince !== null) expect(body.nextSince).toBe(body.items[body.items.length - 1]!.seq);
      since = body.nextSince;
    }
    expect(sizes).toEqual([7, 7, 7, 4]);
    expect(seen).toEqual(inserted.map((r) => r.seq));
    expect(seen.map((s) => BigInt(s))).toEqual(
      seen.map((s) => BigInt(s)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );

    // A page that ends exactly at the last event still says there may be more; the next one is empty.
    const exact = await page(`environment=paging&limit=25`);
    expect(exact.items).toHaveLength(25);
    expect(exact.nextSince).toBe(inserted[24]!.seq);
    expect(await page(`environment=paging&limit=25&since=${exact.nextSince}`)).toEqual({
      items: [],
      nextSince: null,
    });

    // `since` starts after the given seq.
    const after = await page(`environment=paging&since=${inserted[9]!.seq}`);
    expect(after.items.map((e) => e.seq)).toEqual(inserted.slice(10).map((r) => r.seq));
    expect(after.nextSince).toBeNull();

    const registered = await page(`environment=paging&types=node.registered`);
    expect(registered.items.map((e) => e.seq)).toEqual(
      inserted.filter((r) => r.type === 'node.registered').map((r) => r.seq),
    );
    expect(registered.items.map((e) => e.data.i)).toEqual([3, 6, 9, 12, 15, 18, 21, 24]);

    for (const limit of ['1001', '0', 'ten']) {
      const res = await request(t.server)
        .get(`/api/v1/events?limit=${limit}`)
        .set(...bearer(viewer));
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.body.errors).toEqual([
        { field: 'limit', message: 'must be a whole number between 1 and 1000' },
      ]);
    }
    expect((await page('limit=1000')).items.length).toBeGreaterThan(0);
  });

  it('refuses the history and tickets without a token, and to a user without a reading role', async () => {
    expect((await request(t.server).get('/api/v1/events')).status).toBe(401);
    expect((await request(t.server).post('/api/v1/events/tickets')).status).toBe(401);
    expect(
      (
        await request(t.server)
          .get('/api/v1/events')
          .set(...bearer(scenario.nobody))
      ).status,
    ).toBe(403);
    expect(
      (
        await request(t.server)
          .post('/api/v1/events/tickets')
          .set(...bearer(scenario.nobody))
      ).status,
    ).toBe(403);
  });
});
