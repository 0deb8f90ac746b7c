import request from 'supertest';
import { bearer, loginAdmin, type Session } from './support/auth';
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from './support/test-app';

const READS = 5;

function expectLimited(res: request.Response): void {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  expect(res.headers['ratelimit-remaining']).toBe('0');
  expect(res.body.code).toBe('rate_limited');
}

describe('rate limiting (whole app, counters in PostgreSQL)', () => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_READS: String(READS), RATE_LIMIT_LOGIN: '3', RATE_LIMIT_MUTATING: '1000' },
    });
    // Logging in draws from the IP's login budget (3): one here.
    admin = await loginAdmin(t.server);
  });

  afterAll(async () => {
    await t.close();
  });

  it('answers the N+1th request of a window with 429, Retry-After and RateLimit-* headers', async () => {
    for (let i = 1; i <= READS; i++) {
      const res = await request(t.server)
        .get('/api/v1/authentication/me')
        .set(...bearer(admin));
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe(String(READS));
      expect(res.headers['ratelimit-remaining']).toBe(String(READS - i));
      expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
    }
    expectLimited(
      await request(t.server)
        .get('/api/v1/authentication/me')
        .set(...bearer(admin)),
    );
  });

  it("keeps an authenticated user's budget separate from its IP's", async () => {
    // The admin's reads are exhausted (previous test); the same IP without a token still has its own.
    const anonymous = await request(t.server).get('/api/v1/users');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['ratelimit-remaining']).toBe(String(READS - 1));
  });

  it('limits login attempts per IP, and a forged X-Forwarded-For from an untrusted peer changes nothing', async () => {
    const attempt = (ip: string) =>
      request(t.server)
        .post('/api/v1/authentication/login')
        .set('X-Forwarded-For', ip)
        .send({ username: 'admin', password: 'wrong-password-123' });
    // One login was spent in beforeAll; two more are allowed, each claiming another address.
    expect((await attempt('203.0.113.1')).status).toBe(401);
    expect((await attempt('203.0.113.2')).status).toBe(401);
    expectLimited(await attempt('203.0.113.3'));
    const correct = await request(t.server)
      .post('/api/v1/authentication/login')
      .set('X-Forwarded-For', '198.51.100.7')
      .send({ username: 'admin', password: TEST_ADMIN_PASSWORD });
    expectLimited(correct);
  });

  it('never limits health probes or metrics', async () => {
    for (let i = 0; i < READS * 3; i++) {
      const live = await request(t.server).get('/health/live');
      expect(live.status).toBe(200);
      expect(live.headers['ratelimit-limit']).toBeUndefined();
    }
    expect((await request(t.server).get('/metrics')).status).toBe(200);
    expect((await request(t.server).get('/health/ready')).status).toBe(200);
  });

  it('holds across replicas: a second app on the same database shares the counters', async () => {
    const replica = await startTestApp({
      sharedDatabase: t.database,
      env: { RATE_LIMIT_READS: String(READS), RATE_LIMIT_LOGIN: '3' },
    });
    try {
      // The admin's reads were spent on the first replica; the second refuses too (it verifies the
      // token with its own key, so it cannot share the token: it counts by IP for an anonymous caller).
      expect((await request(replica.server).get('/api/v1/users')).headers['ratelimit-remaining']).toBe(
        String(READS - 2),
      );
      expectLimited(
        await request(replica.server)
          .post('/api/v1/authentication/login')
          .send({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
      );
    } finally {
      await replica.close();
    }
  });
});

describe('rate limiting behind a trusted proxy', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: 'loopback', RATE_LIMIT_LOGIN: '2' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('honours X-Forwarded-For from TRUST_PROXY: each client address has its own budget', async () => {
    const attempt = (ip: string) =>
      request(t.server)
        .post('/api/v1/authentication/login')
        .set('X-Forwarded-For', ip)
        .send({ username: 'nobody-here', password: 'wrong-password-123' });
    expect((await attempt('203.0.113.1')).status).toBe(401);
    expect((await attempt('203.0.113.1')).status).toBe(401);
    expect((await attempt('203.0.113.1')).status).toBe(429);
    expect((await attempt('203.0.113.2')).status).toBe(401);
  });
});

describe('per-account login throttle', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { TRUST_PROXY: 'loopback', RATE_LIMIT_LOGIN: '1000' } });
  });

  afterAll(async () => {
    await t.close();
  });

  it('refuses an account after 100 failed attempts in an hour, whatever the source address', async () => {
    for (let i = 0; i < 100; i++) {
      const res = await request(t.server)
        .post('/api/v1/authentication/login')
        .set('X-Forwarded-For', `203.0.113.${i % 250}`)
        .send({ username: 'ghost', password: 'wrong-password-123' });
      expect(res.status).toBe(401);
    }
    const res = await request(t.server)
      .post('/api/v1/authentication/login')
      .set('X-Forwarded-For', '198.51.100.1')
      .send({ username: 'ghost', password: 'wrong-password-123' });
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(3000);
    // Other accounts are unaffected.
    const other = await request(t.server)
      .post('/api/v1/authentication/login')
      .send({ username: 'admin', password: TEST_ADMIN_PASSWORD });
    expect(other.status).toBe(200);
  });
});
