import { Client } from 'pg';
import request from 'supertest';
import { PROBE_EFFECT_TABLE_SQL, ProbeModule } from './support/probe.module';
import { startTestApp, type TestApp } from './support/test-app';

/** Idempotency-Key through the whole app, on a test-only route whose effect is a row. */
describe('Idempotency-Key (whole app, real database)', () => {
  let t: TestApp;
  let db: Client;

  beforeAll(async () => {
    // Loopback is a trusted proxy here, so X-Forwarded-For sets the client address the scope uses.
    t = await startTestApp({ imports: [ProbeModule], env: { TRUST_PROXY: 'loopback' } });
    db = new Client({ connectionString: t.database.url });
    await db.connect();
    await db.query(PROBE_EFFECT_TABLE_SQL);
  });

  afterAll(async () => {
    await db.end();
    await t.close();
  });

  async function effects(name: string): Promise<number> {
    const result = await db.query<{ n: string }>('SELECT count(*) AS n FROM probe_effect WHERE name = $1', [
      name,
    ]);
    return Number(result.rows[0]?.n);
  }

  const post = (key: string | undefined, body: object) => {
    const req = request(t.server).post('/api/v1/probe/effects');
    return (key === undefined ? req : req.set('Idempotency-Key', key)).send(body);
  };

  it('answers a repeated request with the stored response and no second effect', async () => {
    const first = await post('key-same-1', { name: 'same' });
    expect(first.status).toBe(201);
    expect(first.headers.location).toBe(`/api/v1/probe/effects/${first.body.id}`);
    const second = await post('key-same-1', { name: 'same' });
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await effects('same')).toBe(1);
  });

  it('treats bodies that differ only in key order as the same request', async () => {
    const first = await post('key-order', { name: 'ordered', delayMs: 0 });
    const second = await post('key-order', { delayMs: 0, name: 'ordered' });
    expect(second.body).toEqual(first.body);
    expect(await effects('ordered')).toBe(1);
  });

  it('refuses the same key with a different body: 422, and no effect', async () => {
    await post('key-reused', { name: 'original' }).expect(201);
    const reused = await post('key-reused', { name: 'different' });
    expect(reused.status).toBe(422);
    expect(reused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reused.body.code).toBe('idempotency_key_reused');
    expect(await effects('different')).toBe(0);
    expect(await effects('original')).toBe(1);
  });

  it('answers exactly one of two concurrent requests with the same key with 409', async () => {
    const body = { name: 'concurrent', delayMs: 600 };
    const [a, b] = await Promise.all([post('key-concurrent', body), post('key-concurrent', body)]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 409]);
    const conflict = a.status === 409 ? a : b;
    expect(conflict.body.code).toBe('idempotency_request_in_flight');
    expect(await effects('concurrent')).toBe(1);
    // Once the first has finished, the key replays its response.
    const again = await post('key-concurrent', body);
    expect(again.status).toBe(201);
    expect(again.body).toEqual((a.status === 201 ? a : b).body);
  });

  it('scopes keys to the caller: the authenticated user, else the client address', async () => {
    const as = (headers: Record<string, string>, body: object) => {
      let req = request(t.server).post('/api/v1/probe/effects').set('Idempotency-Key', 'key-scope');
      for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
      return req.send(body);
    };
    const alice = await as(
      { 'X-Probe-User': 'alice', 'X-Forwarded-For': '203.0.113.1' },
      { name: 'scoped-alice' },
    );
    // The same user from another address is the same caller: replayed.
    const aliceAgain = await as(
      { 'X-Probe-User': 'alice', 'X-Forwarded-For': '203.0.113.2' },
      { name: 'scoped-alice' },
    );
    expect(aliceAgain.headers['idempotent-replayed']).toBe('true');
    expect(aliceAgain.body).toEqual(alice.body);
    // Another user, and anonymous callers at two addresses, each have a key space of their own.
    const bob = await as({ 'X-Probe-User': 'bob', 'X-Forwarded-For': '203.0.113.1' }, { name: 'scoped-bob' });
    const anonymous1 = await as({ 'X-Forwarded-For': '203.0.113.1' }, { name: 'scoped-anonymous-1' });
    const anonymous2 = await as({ 'X-Forwarded-For': '203.0.113.2' }, { name: 'scoped-anonymous-2' });
    for (const res of [alice, bob, anonymous1, anonymous2]) expect(res.status).toBe(201);
    for (const name of ['scoped-alice', 'scoped-bob', 'scoped-anonymous-1', 'scoped-anonymous-2']) {
      expect(await effects(name)).toBe(1);
    }
  });

  it('does nothing special without the header, and frees the key of a failed request', async () => {
    await post(undefined, { name: 'plain' }).expect(201);
    await post(undefined, { name: 'plain' }).expect(201);
    expect(await effects('plain')).toBe(2);

    const invalid = await post('key-invalid-body', { name: 42 });
    expect(invalid.status).toBe(400);
    const retried = await post('key-invalid-body', { name: 'now-valid' });
    expect(retried.status).toBe(201);
    expect(await effects('now-valid')).toBe(1);
  });

  it('refuses a malformed key with 400', async () => {
    const res = await post('bad key with spaces', { name: 'malformed' });
    expect(res.status).toBe(400);
    expect(await effects('malformed')).toBe(0);
  });
});
