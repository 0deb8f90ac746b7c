import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { ManualClock } from '@hotswap/contracts';
import { bearer, createUser, login, loginAdmin, type Session } from './support/auth';
import { startTestApp, TEST_ADMIN_PASSWORD, type TestApp } from './support/test-app';

const SECRET = randomBytes(48).toString('base64url');
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const PRIVATE_PEM = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const PUBLIC_PEM = publicKey.export({ format: 'pem', type: 'spki' }).toString();

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (part: string | undefined) =>
  JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

function hs256(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: string | Buffer,
): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** The stable part of a problem document (without per-request members). */
function stable(body: Record<string, unknown>) {
  const { traceId: _t, instance: _i, ...rest } = body;
  return rest;
}

describe('identity and access (whole app, real database)', () => {
  const clock = new ManualClock(Date.now());
  let t: TestApp;
  let admin: Session;
  const secrets: string[] = [TEST_ADMIN_PASSWORD, SECRET];

  beforeAll(async () => {
    t = await startTestApp({
      clock,
      env: {
        JWT_SECRET: SECRET,
        JWT_PRIVATE_KEY: PRIVATE_PEM,
        RATE_LIMIT_LOGIN: '100000',
        RATE_LIMIT_MUTATING: '100000',
        RATE_LIMIT_READS: '100000',
      },
    });
    admin = await loginAdmin(t.server);
    secrets.push(admin.accessToken, admin.refreshToken);
  });

  afterAll(async () => {
    await t.close();
  });

  describe('login', () => {
    it('answers with both token fields, a refresh token, the expiry and the user', async () => {
      const res = await request(t.server)
        .post('/api/v1/authentication/login')
        .send({ username: 'admin', password: TEST_ADMIN_PASSWORD });
      expect(res.status).toBe(200);
      secrets.push(res.body.accessToken, res.body.refreshToken);
      expect(res.body).toEqual({
        accessToken: expect.stringMatching(/^ey/),
        token: res.body.accessToken,
        refreshToken: expect.stringMatching(/^hsr_/),
        expiresAt: expect.any(String),
        tokenType: 'Bearer',
        user: { id: expect.any(String), username: 'admin', email: null, fullName: null, roles: ['Admin'] },
      });
      const header = decode(String(res.body.accessToken).split('.')[0]);
      const claims = decode(String(res.body.accessToken).split('.')[1]);
      expect(header).toEqual(
        expect.objectContaining({ alg: 'ES256', typ: 'at+jwt', kid: expect.any(String) }),
      );
      expect(claims).toEqual(
        expect.objectContaining({
          sub: res.body.user.id,
          roles: ['Admin'],
          iss: 'hotswap',
          aud: 'hotswap-api',
        }),
      );
      expect(Number(claims.exp) - Number(claims.iat)).toBe(900);
      expect(claims.jti).toEqual(expect.any(String));
    });

    it('GET /authentication/me describes the caller', async () => {
      const res = await request(t.server)
        .get('/api/v1/authentication/me')
        .set(...bearer(admin));
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({ username: 'admin', roles: ['Admin'], kind: 'user' }),
      );
    });

    it('publishes the ES256 public key (never the HS256 secret) at /.well-known/jwks.json', async () => {
      const res = await request(t.server).get('/.well-known/jwks.json');
      expect(res.status).toBe(200);
      expect(res.body.keys).toEqual([
        expect.objectContaining({
          kty: 'EC',
          crv: 'P-256',
          alg: 'ES256',
          use: 'sig',
          kid: expect.any(String),
        }),
      ]);
      expect(JSON.stringify(res.body)).not.toContain('"d"');
    });
  });

  describe('JWT attack table: each is 401 with the same body', () => {
    let claims: Record<string, unknown>;
    let hsKid: string;
    let esKid: string;
    const now = () => Math.floor(Date.now() / 1000);

    beforeAll(async () => {
      claims = decode(admin.accessToken.split('.')[1]);
      esKid = String(decode(admin.accessToken.split('.')[0]).kid);
      // The HS256 key id is not published; the app derives it from the secret this test configured.
      const { SigningKeys } = await import('@hotswap/auth');
      const keys = new SigningKeys({ secret: SECRET });
      hsKid = keys.signing.kid;
    });

    const valid = () => ({ ...claims, iat: now(), exp: now() + 600, jti: randomBytes(8).toString('hex') });
    const header = (over: Record<string, unknown> = {}) => ({
      alg: 'HS256',
      typ: 'at+jwt',
      kid: hsKid,
      ...over,
    });

    it('control: a correctly forged HS256 token with the server secret is accepted', async () => {
      const res = await request(t.server)
        .get('/api/v1/authentication/me')
        .set(...bearer(hs256(header(), valid(), SECRET)));
      expect(res.status).toBe(200);
    });

    const attacks: [string, () => string][] = [
      ['alg: none', () => `${b64(header({ alg: 'none' }))}.${b64(valid())}.`],
      ['alg: none without kid', () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64(valid())}.`],
      [
        'HS/ES key confusion (HMAC with the public key)',
        () => hs256(header({ kid: esKid }), valid(), PUBLIC_PEM),
      ],
      ['unknown kid', () => hs256(header({ kid: 'hs-unknown' }), valid(), SECRET)],
      ['no kid', () => hs256({ alg: 'HS256', typ: 'at+jwt' }, valid(), SECRET)],
      ['wrong iss', () => hs256(header(), { ...valid(), iss: 'someone-else' }, SECRET)],
      ['wrong aud', () => hs256(header(), { ...valid(), aud: 'another-api' }, SECRET)],
      ['expired', () => hs256(header(), { ...valid(), iat: now() - 1000, exp: now() - 10 }, SECRET)],
      ['nbf in the future', () => hs256(header(), { ...valid(), nbf: now() + 600 }, SECRET)],
      [
        'tampered payload',
        () => {
          const [h, , s] = admin.accessToken.split('.');
          return `${h}.${b64({ ...claims, roles: ['Admin', 'Deployer'], sub: randomBytes(4).toString('hex') })}.${s}`;
        },
      ],
      ['16 KB token', () => hs256(header(), { ...valid(), pad: 'x'.repeat(16 * 1024) }, SECRET)],
      ['refresh token used as an access token', () => admin.refreshToken],
      ['wrong secret', () => hs256(header(), valid(), randomBytes(48))],
      ['another token type', () => hs256(header({ typ: 'JWT' }), valid(), SECRET)],
      ['garbage', () => 'not-a-jwt'],
    ];

    let reference: Record<string, unknown> | undefined;

    it.each(attacks)('%s → 401', async (_name, token) => {
      const res = await request(t.server)
        .get('/api/v1/authentication/me')
        .set(...bearer(token()));
      expect(res.status).toBe(401);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      reference ??= stable(res.body);
      expect(stable(res.body)).toEqual(reference);
    });
  });

  describe('refresh rotation', () => {
    it('rotates, and a used refresh token presented again revokes its whole family', async () => {
      const first = await login(t.server, 'admin', TEST_ADMIN_PASSWORD);
      const rotated = await request(t.server)
        .post('/api/v1/authentication/refresh')
        .send({ refreshToken: first.refreshToken });
      expect(rotated.status).toBe(200);
      expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
      secrets.push(rotated.body.refreshToken, rotated.body.accessToken);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(rotated.body.accessToken))
        ).status,
      ).toBe(200);

      const reuse = await request(t.server)
        .post('/api/v1/authentication/refresh')
        .send({ refreshToken: first.refreshToken });
      expect(reuse.status).toBe(401);
      // Every token of the family is dead: the newest refresh token and both access tokens.
      const newest = await request(t.server)
        .post('/api/v1/authentication/refresh')
        .send({ refreshToken: rotated.body.refreshToken });
      expect(newest.status).toBe(401);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(rotated.body.accessToken))
        ).status,
      ).toBe(401);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(first.accessToken))
        ).status,
      ).toBe(401);
      // Other sessions are untouched.
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(admin))
        ).status,
      ).toBe(200);

      const audit = await request(t.server)
        .get('/api/v1/auditlogs?action=auth.refresh_reuse')
        .set(...bearer(admin));
      expect(audit.body.items).toHaveLength(1);
    });

    it('refuses an unknown refresh token', async () => {
      const res = await request(t.server)
        .post('/api/v1/authentication/refresh')
        .send({ refreshToken: `hsr_${'a'.repeat(43)}` });
      expect(res.status).toBe(401);
    });

    it('logout ends the session: its access and refresh tokens stop working', async () => {
      const session = await login(t.server, 'admin', TEST_ADMIN_PASSWORD);
      expect(
        (
          await request(t.server)
            .post('/api/v1/authentication/logout')
            .set(...bearer(session))
        ).status,
      ).toBe(204);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(session))
        ).status,
      ).toBe(401);
      const refresh = await request(t.server)
        .post('/api/v1/authentication/refresh')
        .send({ refreshToken: session.refreshToken });
      expect(refresh.status).toBe(401);
    });
  });

  describe('lockout timeline (controllable clock)', () => {
    const attempt = (password: string) =>
      request(t.server).post('/api/v1/authentication/login').send({ username: 'locky', password });
    let locky: Session & { password: string };
    const state = async (): Promise<{ failedLoginCount: number; lockedUntil: string | null }> => {
      const res = await request(t.server)
        .get(`/api/v1/users/${locky.userId}`)
        .set(...bearer(admin));
      return res.body as { failedLoginCount: number; lockedUntil: string | null };
    };

    beforeAll(async () => {
      locky = await createUser(t.server, admin, 'locky', ['Viewer']);
    });

    it('a success between failures resets the counter', async () => {
      for (let i = 0; i < 4; i++) expect((await attempt('wrong-password-123')).status).toBe(401);
      expect((await state()).failedLoginCount).toBe(4);
      expect((await attempt(locky.password)).status).toBe(200);
      expect((await state()).failedLoginCount).toBe(0);
      for (let i = 0; i < 4; i++) expect((await attempt('wrong-password-123')).status).toBe(401);
      expect((await attempt(locky.password)).status).toBe(200);
    });

    it('5 failures lock for 15 minutes: the correct password is refused, then works and the counter is 0', async () => {
      for (let i = 0; i < 5; i++) expect((await attempt('wrong-password-123')).status).toBe(401);
      const locked = await state();
      expect(locked.lockedUntil).toBe(new Date(clock.now().getTime() + 15 * 60_000).toISOString());
      expect((await attempt(locky.password)).status).toBe(401);
      clock.advance(15 * 60_000 - 1_000);
      expect((await attempt(locky.password)).status).toBe(401);
      clock.advance(1_000);
      expect((await state()).failedLoginCount).toBe(0);
      expect((await attempt(locky.password)).status).toBe(200);
      const after = await state();
      expect(after.failedLoginCount).toBe(0);
      expect(after.lockedUntil).toBeNull();
      const lockouts = await request(t.server)
        .get('/api/v1/auditlogs?action=auth.lockout')
        .set(...bearer(admin));
      expect(lockouts.body.items).toEqual([expect.objectContaining({ actorName: 'locky' })]);
    });

    it('answers unknown user, wrong password, locked and disabled accounts with the same 401 body', async () => {
      const unknown = await request(t.server)
        .post('/api/v1/authentication/login')
        .send({ username: 'nobody-here', password: 'whatever-123456' });
      const wrong = await attempt('wrong-password-123');
      for (let i = 0; i < 4; i++) await attempt('wrong-password-123');
      const locked = await attempt(locky.password);
      clock.advance(15 * 60_000);
      await request(t.server)
        .post(`/api/v1/users/${locky.userId}/disable`)
        .set(...bearer(admin))
        .expect(200);
      const disabled = await attempt(locky.password);
      for (const res of [unknown, wrong, locked, disabled]) expect(res.status).toBe(401);
      expect(
        new Set([unknown, wrong, locked, disabled].map((r) => JSON.stringify(stable(r.body)))).size,
      ).toBe(1);
      await request(t.server)
        .post(`/api/v1/users/${locky.userId}/enable`)
        .set(...bearer(admin))
        .expect(200);
    });
  });

  describe('users administration', () => {
    it('creates (201), lists with a cursor, gets, patches and never shows a hash', async () => {
      const created = await request(t.server)
        .post('/api/v1/users')
        .set(...bearer(admin))
        .send({
          username: 'jane',
          password: 'Kx93!qLmZ-secure-J',
          email: 'jane@example.com',
          fullName: 'Jane Doe',
          roles: ['Deployer'],
        });
      expect(created.status).toBe(201);
      expect(created.body).toEqual(
        expect.objectContaining({
          username: 'jane',
          roles: ['Deployer'],
          email: 'jane@example.com',
          disabled: false,
        }),
      );
      const page1 = await request(t.server)
        .get('/api/v1/users?limit=1')
        .set(...bearer(admin));
      expect(page1.body.items).toHaveLength(1);
      const page2 = await request(t.server)
        .get(`/api/v1/users?limit=1&cursor=${page1.body.nextCursor}`)
        .set(...bearer(admin));
      expect(page2.body.items[0].username > page1.body.items[0].username).toBe(true);
      const patched = await request(t.server)
        .patch(`/api/v1/users/${created.body.id}`)
        .set(...bearer(admin))
        .send({ roles: ['Viewer'], fullName: 'Jane Q. Doe' });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual(expect.objectContaining({ roles: ['Viewer'], fullName: 'Jane Q. Doe' }));
      const all = await request(t.server)
        .get('/api/v1/users?limit=200')
        .set(...bearer(admin));
      expect(JSON.stringify(all.body)).not.toMatch(/argon2|passwordHash|password_hash/);
      const dup = await request(t.server)
        .post('/api/v1/users')
        .set(...bearer(admin))
        .send({ username: 'jane', password: 'Kx93!qLmZ-secure-J', roles: [] });
      expect(dup.status).toBe(409);
      expect(
        (
          await request(t.server)
            .get(`/api/v1/users/${randomUUIDv4()}`)
            .set(...bearer(admin))
        ).status,
      ).toBe(404);
    });

    it('refuses weak passwords with every field error and writes nothing', async () => {
      const res = await request(t.server)
        .post('/api/v1/users')
        .set(...bearer(admin))
        .send({ username: 'Bad Name', password: 'password', roles: ['Root'], email: 'nope' });
      expect(res.status).toBe(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['username', 'roles', 'email']));
      const weak = await request(t.server)
        .post('/api/v1/users')
        .set(...bearer(admin))
        .send({ username: 'weakling', password: 'Password2024!', roles: [] });
      expect(weak.status).toBe(400);
      expect(weak.body.errors[0].field).toBe('password');
      const list = await request(t.server)
        .get('/api/v1/users?limit=200')
        .set(...bearer(admin));
      expect((list.body.items as { username: string }[]).map((u) => u.username)).not.toContain('weakling');
    });

    it.each([
      [
        'POST /users with passwordHash and id',
        'post',
        '/api/v1/users',
        { username: 'mallory', password: 'mallory-pw-Kx93!q', roles: [], passwordHash: 'x', id: 'x' },
        ['passwordHash', 'id'],
      ],
      [
        'PATCH /users/{id} with username, disabled and passwordHash',
        'patch',
        'USER',
        { username: 'root', disabled: true, passwordHash: 'x' },
        ['username', 'disabled', 'passwordHash'],
      ],
      [
        'POST /authentication/login with roles',
        'post',
        '/api/v1/authentication/login',
        { username: 'admin', password: TEST_ADMIN_PASSWORD, roles: ['Admin'] },
        ['roles'],
      ],
      [
        'POST /api-tokens with ownerId and id',
        'post',
        '/api/v1/api-tokens',
        { name: 'x', roles: ['Viewer'], ownerId: 'x', id: 'y' },
        ['ownerId', 'id'],
      ],
      [
        'POST /authentication/password with roles',
        'post',
        '/api/v1/authentication/password',
        { currentPassword: 'a', newPassword: 'b', roles: ['Admin'] },
        ['roles'],
      ],
    ] as const)('mass assignment: %s → 400 naming the fields', async (_name, method, path, body, fields) => {
      const url = path === 'USER' ? `/api/v1/users/${admin.userId}` : path;
      const agent = request(t.server);
      const res = await agent[method](url)
        .set(...bearer(admin))
        .send(body);
      expect(res.status).toBe(400);
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toEqual(
        expect.arrayContaining([...fields]),
      );
    });

    it('disabling a user stops its tokens at once; enabling lets it log in again', async () => {
      const victim = await createUser(t.server, admin, 'victim', ['Deployer']);
      const token = await request(t.server)
        .post('/api/v1/api-tokens')
        .set(...bearer(victim))
        .send({ name: 'ci', roles: ['Viewer'] });
      expect(token.status).toBe(201);
      secrets.push(token.body.token);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(victim))
        ).status,
      ).toBe(200);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(token.body.token))
        ).status,
      ).toBe(200);
      await request(t.server)
        .post(`/api/v1/users/${victim.userId}/disable`)
        .set(...bearer(admin))
        .expect(200);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(victim))
        ).status,
      ).toBe(401);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(token.body.token))
        ).status,
      ).toBe(401);
      expect(
        (
          await request(t.server)
            .post('/api/v1/authentication/refresh')
            .send({ refreshToken: victim.refreshToken })
        ).status,
      ).toBe(401);
      await request(t.server)
        .post(`/api/v1/users/${victim.userId}/enable`)
        .set(...bearer(admin))
        .expect(200);
      await login(t.server, 'victim', victim.password);
    });

    it('refuses to disable or demote the last enabled Admin', async () => {
      expect(
        (
          await request(t.server)
            .post(`/api/v1/users/${admin.userId}/disable`)
            .set(...bearer(admin))
        ).status,
      ).toBe(409);
      const demote = await request(t.server)
        .patch(`/api/v1/users/${admin.userId}`)
        .set(...bearer(admin))
        .send({ roles: ['Viewer'] });
      expect(demote.status).toBe(409);
    });

    it("resetting a user's password revokes its sessions", async () => {
      const user = await createUser(t.server, admin, 'resetme', ['Viewer']);
      await request(t.server)
        .post(`/api/v1/users/${user.userId}/password`)
        .set(...bearer(admin))
        .send({ newPassword: 'fresh-start-Kx93!q' })
        .expect(204);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(user))
        ).status,
      ).toBe(401);
      await login(t.server, 'resetme', 'fresh-start-Kx93!q');
    });

    it('changing the own password keeps this session and revokes the others', async () => {
      const mine = await createUser(t.server, admin, 'changer', ['Viewer']);
      const other = await login(t.server, 'changer', mine.password);
      const wrong = await request(t.server)
        .post('/api/v1/authentication/password')
        .set(...bearer(mine))
        .send({ currentPassword: 'not-my-password-1', newPassword: 'short' });
      expect(wrong.status).toBe(400);
      expect((wrong.body.errors as { field: string }[]).map((e) => e.field)).toEqual([
        'currentPassword',
        'newPassword',
      ]);
      await request(t.server)
        .post('/api/v1/authentication/password')
        .set(...bearer(mine))
        .send({ currentPassword: mine.password, newPassword: 'changed-Kx93!qLmZ' })
        .expect(204);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(mine))
        ).status,
      ).toBe(200);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(other))
        ).status,
      ).toBe(401);
      await login(t.server, 'changer', 'changed-Kx93!qLmZ');
    });
  });

  describe('API tokens', () => {
    let deployer: Session & { password: string };

    beforeAll(async () => {
      deployer = await createUser(t.server, admin, 'deployer1', ['Deployer']);
    });

    it('is shown once, stored hashed, works as Bearer hs_…, records its last use and can be revoked', async () => {
      const created = await request(t.server)
        .post('/api/v1/api-tokens')
        .set(...bearer(deployer))
        .send({ name: 'ci-pipeline', roles: ['Viewer'] });
      expect(created.status).toBe(201);
      expect(created.body.token).toMatch(/^hs_[A-Za-z0-9_-]{43}$/);
      secrets.push(created.body.token);
      const me = await request(t.server)
        .get('/api/v1/authentication/me')
        .set(...bearer(created.body.token));
      expect(me.body).toEqual(
        expect.objectContaining({ username: 'deployer1', roles: ['Viewer'], kind: 'apiToken' }),
      );
      // Viewer scope: a Deployer route is refused even though the owner is a Deployer.
      expect(
        (
          await request(t.server)
            .get('/api/v1/api-tokens')
            .set(...bearer(created.body.token))
        ).status,
      ).toBe(403);
      const list = await request(t.server)
        .get('/api/v1/api-tokens')
        .set(...bearer(deployer));
      expect(list.body.items).toEqual([
        expect.objectContaining({ id: created.body.id, lastUsedAt: expect.any(String) }),
      ]);
      expect(JSON.stringify(list.body)).not.toContain(created.body.token);
      expect(JSON.stringify(list.body)).not.toMatch(/tokenHash|token_hash/);
      const { rows } = await query(t, 'SELECT token_hash FROM api_tokens WHERE id = $1', [created.body.id]);
      expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0]?.token_hash).not.toContain(created.body.token);
      await request(t.server)
        .delete(`/api/v1/api-tokens/${created.body.id}`)
        .set(...bearer(deployer))
        .expect(204);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(created.body.token))
        ).status,
      ).toBe(401);
    });

    it("refuses roles beyond the creator's, tokens made by tokens, and past expiry", async () => {
      expect(
        (
          await request(t.server)
            .post('/api/v1/api-tokens')
            .set(...bearer(deployer))
            .send({ name: 'x', roles: ['Admin'] })
        ).status,
      ).toBe(403);
      const past = await request(t.server)
        .post('/api/v1/api-tokens')
        .set(...bearer(deployer))
        .send({
          name: 'x',
          roles: ['Viewer'],
          expiresAt: new Date(clock.now().getTime() - 1000).toISOString(),
        });
      expect(past.status).toBe(400);
      const token = await request(t.server)
        .post('/api/v1/api-tokens')
        .set(...bearer(deployer))
        .send({ name: 'deployer-scope', roles: ['Deployer'] });
      secrets.push(token.body.token);
      expect(
        (
          await request(t.server)
            .post('/api/v1/api-tokens')
            .set(...bearer(token.body.token))
            .send({ name: 'y', roles: ['Viewer'] })
        ).status,
      ).toBe(403);
    });

    it("lets a Deployer see and revoke only its own tokens; an Admin sees everyone's", async () => {
      const other = await createUser(t.server, admin, 'deployer2', ['Deployer']);
      const theirs = await request(t.server)
        .post('/api/v1/api-tokens')
        .set(...bearer(other))
        .send({ name: 'theirs', roles: ['Viewer'] });
      secrets.push(theirs.body.token);
      const mine = await request(t.server)
        .get('/api/v1/api-tokens')
        .set(...bearer(deployer));
      expect((mine.body.items as { id: string }[]).map((i) => i.id)).not.toContain(theirs.body.id);
      expect(
        (
          await request(t.server)
            .delete(`/api/v1/api-tokens/${theirs.body.id}`)
            .set(...bearer(deployer))
        ).status,
      ).toBe(404);
      const all = await request(t.server)
        .get(`/api/v1/api-tokens?ownerId=${other.userId}`)
        .set(...bearer(admin));
      expect((all.body.items as { id: string }[]).map((i) => i.id)).toEqual([theirs.body.id]);
    });

    it('expires with the clock', async () => {
      const token = await request(t.server)
        .post('/api/v1/api-tokens')
        .set(...bearer(deployer))
        .send({
          name: 'short',
          roles: ['Viewer'],
          expiresAt: new Date(clock.now().getTime() + 60_000).toISOString(),
        });
      secrets.push(token.body.token);
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(token.body.token))
        ).status,
      ).toBe(200);
      clock.advance(61_000);
      // The cached lookup is re-checked against the clock on every request.
      expect(
        (
          await request(t.server)
            .get('/api/v1/authentication/me')
            .set(...bearer(token.body.token))
        ).status,
      ).toBe(401);
    });
  });

  describe('audit', () => {
    it('a login writes a record with source IP and user agent; no record holds a secret', async () => {
      await request(t.server)
        .post('/api/v1/authentication/login')
        .set('User-Agent', 'audit-probe/1.0')
        .send({ username: 'admin', password: TEST_ADMIN_PASSWORD })
        .expect(200);
      const res = await request(t.server)
        .get('/api/v1/auditlogs?action=auth.login&actor=admin&limit=1')
        .set(...bearer(admin));
      expect(res.status).toBe(200);
      expect(res.body.items[0]).toEqual(
        expect.objectContaining({
          category: 'authentication',
          action: 'auth.login',
          result: 'success',
          actorName: 'admin',
          userAgent: 'audit-probe/1.0',
          ip: expect.stringMatching(/127\.0\.0\.1/),
          traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        }),
      );
      const byUser = await request(t.server)
        .get('/api/v1/auditlogs/authentication/admin')
        .set(...bearer(admin));
      expect(byUser.body.items.length).toBeGreaterThan(0);
      const byCategory = await request(t.server)
        .get('/api/v1/auditlogs/category/users')
        .set(...bearer(admin));
      expect((byCategory.body.items as { action: string }[]).map((i) => i.action)).toContain('user.create');
      const trace = res.body.items[0].traceId as string;
      const byTrace = await request(t.server)
        .get(`/api/v1/auditlogs/trace/${trace}`)
        .set(...bearer(admin));
      expect(byTrace.body.items).toHaveLength(1);
      const page = await request(t.server)
        .get('/api/v1/auditlogs?limit=2')
        .set(...bearer(admin));
      const next = await request(t.server)
        .get(`/api/v1/auditlogs?limit=2&cursor=${page.body.nextCursor}`)
        .set(...bearer(admin));
      expect(Number(next.body.items[0].id)).toBeLessThan(Number(page.body.items[1].id));
      const everything = await request(t.server)
        .get('/api/v1/auditlogs?limit=200')
        .set(...bearer(admin));
      const text = JSON.stringify(everything.body);
      for (const secret of secrets) expect(text).not.toContain(secret);
      expect(text).not.toContain('$argon2');
    });

    it('Viewer and Deployer get 403 on audit routes', async () => {
      const viewer = await createUser(t.server, admin, 'audit-viewer', ['Viewer']);
      const deployer = await createUser(t.server, admin, 'audit-deployer', ['Deployer']);
      for (const session of [viewer, deployer]) {
        for (const path of [
          '/api/v1/auditlogs',
          '/api/v1/auditlogs/verify',
          '/api/v1/auditlogs/category/users',
        ]) {
          expect(
            (
              await request(t.server)
                .get(path)
                .set(...bearer(session))
            ).status,
          ).toBe(403);
        }
      }
    });

    it('altering any stored record by SQL makes /auditlogs/verify report it', async () => {
      // Sealing is asynchronous (DR-31): wait (bounded) until every committed record is sealed.
      let intact = await request(t.server)
        .get('/api/v1/auditlogs/verify')
        .set(...bearer(admin));
      for (let i = 0; i < 100 && intact.body.unsealed !== 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        intact = await request(t.server)
          .get('/api/v1/auditlogs/verify')
          .set(...bearer(admin));
      }
      expect(intact.body).toEqual({ intact: true, checked: expect.any(Number), unsealed: 0 });
      expect(intact.body.checked).toBeGreaterThan(10);
      const { rows } = await query(
        t,
        "SELECT seq, details FROM audit_records WHERE action = 'user.create' ORDER BY seq LIMIT 1 OFFSET 1",
      );
      const seq = String(rows[0]?.seq);
      // The table refuses UPDATE; an attacker with DDL rights turns the trigger off first.
      await expect(
        query(t, "UPDATE audit_records SET actor_name = 'x' WHERE seq = $1", [seq]),
      ).rejects.toThrow(/append-only/);
      await query(t, 'ALTER TABLE audit_records DISABLE TRIGGER audit_records_no_update');
      await query(
        t,
        `UPDATE audit_records SET details = jsonb_set(details, '{roles}', '["Admin"]') WHERE seq = $1`,
        [seq],
      );
      const broken = await request(t.server)
        .get('/api/v1/auditlogs/verify')
        .set(...bearer(admin));
      expect(broken.body).toEqual({
        intact: false,
        checked: expect.any(Number),
        unsealed: expect.any(Number),
        firstBrokenId: seq,
      });
      await query(t, 'UPDATE audit_records SET details = $2 WHERE seq = $1', [seq, rows[0]?.details]);
      await query(t, 'ALTER TABLE audit_records ENABLE TRIGGER audit_records_no_update');
      expect(
        (
          await request(t.server)
            .get('/api/v1/auditlogs/verify')
            .set(...bearer(admin))
        ).body.intact,
      ).toBe(true);
      // Removing a record from the middle breaks the chain too.
      await query(t, 'DELETE FROM audit_records WHERE seq = $1', [seq]);
      const gap = await request(t.server)
        .get('/api/v1/auditlogs/verify')
        .set(...bearer(admin));
      expect(gap.body.intact).toBe(false);
    });
  });

  it('no log line contains a password, a hash or a token', () => {
    const logs = t.logs.lines.join('\n');
    for (const secret of secrets) expect(logs).not.toContain(secret);
    expect(logs).not.toContain('$argon2');
    expect(logs).not.toContain('wrong-password-123');
    expect(logs).not.toContain(PRIVATE_PEM.split('\n')[1]);
  });
});

function randomUUIDv4(): string {
  const b = randomBytes(16);
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function query(
  t: TestApp,
  sql: string,
  params: unknown[] = [],
): Promise<{ rows: Record<string, unknown>[] }> {
  const client = new Client({ connectionString: t.database.url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}
