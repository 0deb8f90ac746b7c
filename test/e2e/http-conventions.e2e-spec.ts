import request from 'supertest';
import { ProbeModule } from './support/probe.module';
import { startTestApp, type TestApp } from './support/test-app';

const PROBLEM = /^application\/problem\+json/;
const TRACE_ID = /^[0-9a-f]{32}$/;

function expectProblem(res: request.Response, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(PROBLEM);
  expect(res.body).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^urn:hotswap:problem:/),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      instance: expect.any(String),
      traceId: expect.stringMatching(TRACE_ID),
    }),
  );
}

describe('HTTP conventions (whole app, real database)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ imports: [ProbeModule], env: { CORS_ORIGINS: 'https://console.example.com' } });
  });

  afterAll(async () => {
    await t.close();
  });

  const valid = { name: 'payment-processor', replicas: 3, strategy: 'Direct' };

  it('accepts a valid body', async () => {
    const res = await request(t.server).post('/api/v1/probe/items').send(valid);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ received: valid });
  });

  it('answers malformed JSON with 400 problem+json', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe/items')
      .set('Content-Type', 'application/json')
      .send('{"name": "abc",');
    expectProblem(res, 400);
    expect(res.body.code).toBe('malformed_body');
  });

  it('refuses an unknown field and names it', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe/items')
      .send({ ...valid, passwordHash: 'x', role: 'Admin' });
    expectProblem(res, 400);
    const fields = (res.body.errors as { field: string; message: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['passwordHash', 'role']));
    expect(res.body.detail).toContain('passwordHash');
  });

  it('lists every field error at once, nested ones by dotted path', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe/items')
      .send({ name: 'AB', replicas: 99, strategy: 'Sideways', owner: { name: 'far-too-long-a-name' } });
    expectProblem(res, 400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['name', 'owner.name', 'replicas', 'strategy']);
  });

  it('answers a JSON body over 1 MiB with 413', async () => {
    const big = JSON.stringify({ ...valid, name: 'x'.repeat(1024 * 1024 + 10) });
    const res = await request(t.server)
      .post('/api/v1/probe/items')
      .set('Content-Type', 'application/json')
      .send(big);
    expectProblem(res, 413);
  });

  it('answers a body in another media type with 415', async () => {
    const res = await request(t.server)
      .post('/api/v1/probe/items')
      .set('Content-Type', 'text/plain')
      .send('name=payment-processor');
    expectProblem(res, 415);
    expect(res.body.detail).toContain('text/plain');
  });

  it.each(['/api/v1/no-such-thing', '/no-such-thing', '/api/v1/probe/items/1/nested'])(
    'answers an unknown route %s with a 404 problem',
    async (path) => {
      const res = await request(t.server).get(path);
      expectProblem(res, 404);
      expect(res.body.code).toBe('route_not_found');
      expect(res.body.instance).toBe(path);
    },
  );

  it('never shows a stack trace or SQL outside development', async () => {
    const res = await request(t.server).get('/api/v1/probe/boom');
    expectProblem(res, 500);
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/secret_table|SELECT|\bat \S+ \(|\.ts:\d+/);
  });

  it('sets the security headers', async () => {
    const res = await request(t.server).get('/health/live');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('echoes an X-Request-Id, or generates one', async () => {
    const given = await request(t.server).get('/health/live').set('X-Request-Id', 'req-123.abc');
    expect(given.headers['x-request-id']).toBe('req-123.abc');
    const generated = await request(t.server).get('/health/live');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const hostile = await request(t.server).get('/health/live').set('X-Request-Id', 'bad id\twith spaces');
    expect(hostile.headers['x-request-id']).not.toBe('bad id\twith spaces');
  });

  it('continues an incoming W3C trace: same trace id in the response, the error and the log', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await request(t.server)
      .get('/api/v1/nothing-here')
      .set('traceparent', `00-${traceId}-00f067aa0ba902b7-01`);
    expect(res.body.traceId).toBe(traceId);
    expect(res.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(res.headers.traceparent).not.toContain('00f067aa0ba902b7');
    const line = t.logs.records().find((r) => r.traceId === traceId && r.msg === 'request completed');
    expect(line).toBeDefined();
  });

  it('starts a new trace for an invalid traceparent', async () => {
    const res = await request(t.server)
      .get('/api/v1/nothing-here')
      .set('traceparent', '00-00000000000000000000000000000000-00f067aa0ba902b7-01');
    expect(res.body.traceId).toMatch(TRACE_ID);
    expect(res.body.traceId).not.toBe('00000000000000000000000000000000');
  });

  it('logs JSON lines with request id, trace id, route template, status and duration, and redacts credentials', async () => {
    const secret = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2lnbmF0dXJl';
    await request(t.server)
      .get('/api/v1/probe/items/42')
      .set('Authorization', `Bearer ${secret}`)
      .set('Cookie', 'session=topsecret')
      .set('X-Request-Id', 'log-check-1');
    for (const line of t.logs.lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(t.logs.lines.join('\n')).not.toContain(secret);
    expect(t.logs.lines.join('\n')).not.toContain('topsecret');
    const record = t.logs.records().find((r) => r.reqId === 'log-check-1');
    expect(record).toEqual(
      expect.objectContaining({
        msg: 'request completed',
        route: '/api/v1/probe/items/:id',
        traceId: expect.stringMatching(TRACE_ID),
        responseTime: expect.any(Number),
        res: expect.objectContaining({ statusCode: 200 }),
        req: expect.objectContaining({ method: 'GET', url: '/api/v1/probe/items/42' }),
      }),
    );
    const headers = (record?.req as { headers: Record<string, string> }).headers;
    expect(headers.authorization).toBe('[REDACTED]');
    expect(headers.cookie).toBe('[REDACTED]');
  });

  it('labels /metrics by route template, not raw path', async () => {
    await request(t.server).get('/api/v1/probe/items/1001');
    await request(t.server).get('/api/v1/probe/items/1002');
    await request(t.server).get('/api/v1/unknown/zzz-metrics-path');
    const res = await request(t.server).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/probe\/items\/:id",status_code="200"\} \d+/,
    );
    // No label value carries a raw path (metric values may contain any digits, e.g. 0.0111001).
    const labelValues = [...res.text.matchAll(/="([^"]*)"/g)].map((m) => m[1]);
    expect(labelValues.filter((v) => v?.includes('1001') || v?.includes('1002'))).toEqual([]);
    expect(res.text).not.toContain('zzz-metrics-path');
    expect(res.text).toContain('route="unmatched"');
    expect(res.text).toContain('process_cpu_user_seconds_total');
  });

  it('answers CORS preflights only for allowed origins', async () => {
    const allowed = await request(t.server)
      .options('/api/v1/probe/items')
      .set('Origin', 'https://console.example.com')
      .set('Access-Control-Request-Method', 'POST');
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example.com');
    const other = await request(t.server)
      .options('/api/v1/probe/items')
      .set('Origin', 'https://evil.example.net')
      .set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('serves Swagger UI and the OpenAPI document with the bearer scheme', async () => {
    const doc = await request(t.server).get('/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.components.securitySchemes.bearer).toEqual(expect.objectContaining({ scheme: 'bearer' }));
    expect(doc.body.paths['/health/ready'].get.operationId).toBe('getReadiness');
    const ui = await request(t.server).get('/docs/');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
  });

  it('reports ready with the database and migrations checked', async () => {
    const res = await request(t.server).get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.details).toEqual(
      expect.objectContaining({
        database: expect.objectContaining({ status: 'up' }),
        migrations: expect.objectContaining({ status: 'up' }),
        lifecycle: expect.objectContaining({ status: 'up' }),
      }),
    );
  });
});
