import { randomBytes } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { Client } from 'pg';
import request from 'supertest';
import { SCHEMA } from '../../apps/api/src/schema';
import { SseClient } from './support/event-clients';
import { sample } from './support/module-fixtures';
import { API_ENTRY, ApiProcess } from './support/processes';
import { TEST_ADMIN_PASSWORD } from './support/test-app';

const FILTER = '/api/v1/events/stream?types=module.*,node.status_changed';
const INSERT = `INSERT INTO events (type, environment, payload) VALUES ('node.status_changed', 'qa', $1::jsonb) RETURNING seq::text`;

describe('live events across replicas (two API processes, one PostgreSQL)', () => {
  let database: TestDatabase;
  let db: Client;
  const processes: ApiProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(SCHEMA);
    db = new Client({ connectionString: database.url });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.dispose()));
    await db.end();
    await database.drop();
  });

  it('a subscriber on A gets what B commits; after A is killed, B replays from the last id with nothing missing or repeated', async () => {
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: database.url,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      HOTSWAP_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      FLEET_SIMULATION: 'false',
      DEMO_CONTENT: 'false',
      SHUTDOWN_DRAIN_MS: '0',
      RATE_LIMIT_STREAMS: '1000',
    };
    const a = ApiProcess.start(API_ENTRY, env);
    processes.push(a);
    await a.waitUntilReady(30_000);
    const b = ApiProcess.start(API_ENTRY, env);
    processes.push(b);
    await b.waitUntilReady(30_000);

    const login = await request(b.url)
      .post('/api/v1/authentication/login')
      .send({ username: 'admin', password: TEST_ADMIN_PASSWORD });
    expect(login.status).toBe(200);
    const auth = { Authorization: `Bearer ${login.body.accessToken as string}` };

    const onA = SseClient.open(a.url, FILTER, auth);
    expect(await onA.opened).toBe(200);

    // Committed through replica B's API.
    const s = sample('payment-processor', '2.0.0');
    const published = await request(b.url)
      .post('/api/v1/modules/payment-processor/versions')
      .set(auth)
      .field('manifest', s.manifestText)
      .attach('artifact', s.artifact, { filename: 'index.js', contentType: 'application/javascript' });
    expect(published.status).toBe(201);
    await onA.waitFor((m) => m.some((x) => x.event === 'module.published'));

    // A steady stream of commits while A dies.
    let writing = true;
    const written: string[] = [];
    const writer = (async () => {
      for (let n = 0; writing && n < 400; n++) {
        written.push((await db.query<{ seq: string }>(INSERT, [JSON.stringify({ n })])).rows[0]!.seq);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await onA.waitFor((m) => m.filter((x) => x.event === 'node.status_changed').length >= 20);
    a.child.kill('SIGKILL');
    await a.exit(10_000);
    const seenOnA = onA.events();
    const lastId = seenOnA[seenOnA.length - 1]!.id!;
    await new Promise((r) => setTimeout(r, 200));

    const onB = SseClient.open(b.url, FILTER, { ...auth, 'Last-Event-ID': lastId });
    expect(await onB.opened).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    writing = false;
    await writer;
    const finalSeq = written[written.length - 1]!;
    await onB.waitFor((m) => m.some((x) => x.id === finalSeq));
    await new Promise((r) => setTimeout(r, 300));

    const combined = [...seenOnA, ...onB.events()].map((m) => m.id!);
    const all = await db.query<{ seq: string }>(
      `SELECT seq::text FROM events WHERE type LIKE 'module.%' OR type = 'node.status_changed' ORDER BY seq`,
    );
    const firstOnA = BigInt(seenOnA[0]!.id!);
    const expected = all.rows.map((r) => r.seq).filter((seq) => BigInt(seq) >= firstOnA);
    expect(combined).toEqual(expected);
    expect(new Set(combined).size).toBe(combined.length);
    expect(onB.events().length).toBeGreaterThan(0);
    onB.close();
  });
});
