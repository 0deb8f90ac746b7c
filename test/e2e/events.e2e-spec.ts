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
        EVENTS_HEARTBEAT_MS: '200',
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
