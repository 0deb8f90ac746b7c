import { createHash } from 'node:crypto';
import request from 'supertest';
import { sample } from './support/module-fixtures';
import { startTestApp, type TestApp } from './support/test-app';
import { bearer, loginAdmin, type Session } from './support/auth';

/** Issue 6: the artifact download accepts the node credential an agent got at enrollment — and only it. */
describe('artifact download with a node credential (whole app, real database)', () => {
  let t: TestApp;
  let ADMIN: Session;
  const s = sample('payment-processor', '2.0.0');
  const digest = createHash('sha256').update(s.artifact).digest('hex');
  const ARTIFACT = '/api/v1/modules/payment-processor/versions/2.0.0/artifact';

  beforeAll(async () => {
    t = await startTestApp({ env: { FLEET_SIMULATION: 'false' } });
    ADMIN = await loginAdmin(t.server);
    const published = await request(t.server)
      .post('/api/v1/modules/payment-processor/versions')
      .set(...bearer(ADMIN))
      .field('manifest', s.manifestText)
      .attach('artifact', s.artifact, { filename: 'index.js', contentType: 'application/javascript' });
    expect(published.status).toBe(201);
  });

  afterAll(async () => {
    await t.close();
  });

  async function enroll(name: string): Promise<{ nodeId: string; credential: string }> {
    const token = await request(t.server)
      .post('/api/v1/environments/Development/enrollment-tokens')
      .set(...bearer(ADMIN))
      .send({});
    expect(token.status).toBe(201);
    const res = await request(t.server)
      .post('/api/v1/nodes/enroll')
      .send({ token: token.body.token as string, name, agentVersion: '0.1.0' });
    expect(res.status).toBe(201);
    return res.body as { nodeId: string; credential: string };
  }

  function download(credential: string) {
    return request(t.server)
      .get(ARTIFACT)
      .set(...bearer(credential))
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
  }

  it('an enrolled node downloads the same bytes with the digest headers', async () => {
    const { credential } = await enroll('artifact-01');
    expect(credential.startsWith('hsnc_')).toBe(true);
    const res = await download(credential);
    expect(res.status).toBe(200);
    expect(Buffer.compare(res.body as Buffer, s.artifact)).toBe(0);
    expect(res.headers['x-content-sha256']).toBe(digest);
    expect(res.headers['repr-digest']).toBe(`sha-256=:${Buffer.from(digest, 'hex').toString('base64')}:`);
    // An unknown version is still a 404 for the node (it is authenticated, the version is missing).
    const missing = await request(t.server)
      .get('/api/v1/modules/payment-processor/versions/9.9.9/artifact')
      .set(...bearer(credential));
    expect(missing.status).toBe(404);
  });

  it('a node credential authenticates nothing on any other route (401)', async () => {
    const { nodeId, credential } = await enroll('artifact-02');
    const attempts: [string, () => request.Test][] = [
      ['GET /modules', () => request(t.server).get('/api/v1/modules')],
      ['GET /modules/{name}', () => request(t.server).get('/api/v1/modules/payment-processor')],
      [
        'GET /modules/{name}/versions/{version}',
        () => request(t.server).get('/api/v1/modules/payment-processor/versions/2.0.0'),
      ],
      ['GET /nodes/{own id}', () => request(t.server).get(`/api/v1/nodes/${nodeId}`)],
      ['GET /authentication/me', () => request(t.server).get('/api/v1/authentication/me')],
      [
        'POST …/yank',
        () =>
          request(t.server)
            .post('/api/v1/modules/payment-processor/versions/2.0.0/yank')
            .send({ reason: 'x' }),
      ],
    ];
    for (const [route, attempt] of attempts) {
      const res = await attempt().set(...bearer(credential));
      expect({ route, status: res.status }).toEqual({ route, status: 401 });
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const version = await request(t.server)
      .get('/api/v1/modules/payment-processor/versions/2.0.0')
      .set(...bearer(ADMIN));
    expect(version.body.yanked).toBe(false);
  });

  it('an unknown or revoked node credential is refused with 401', async () => {
    const unknown = await download(`hsnc_${'A'.repeat(43)}`);
    expect(unknown.status).toBe(401);
    const { nodeId, credential } = await enroll('artifact-03');
    expect((await download(credential)).status).toBe(200);
    const removed = await request(t.server)
      .delete(`/api/v1/nodes/${nodeId}`)
      .set(...bearer(ADMIN));
    expect(removed.status).toBe(204);
    const revoked = await download(credential);
    expect(revoked.status).toBe(401);
    expect(revoked.headers['www-authenticate']).toBe('Bearer realm="hotswap"');
  });
});
