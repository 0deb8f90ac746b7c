import { createHash } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { makeKey, sample, signModule, type KeyKind, type TestKey } from './support/module-fixtures';
import { startTestApp, type TestApp } from './support/test-app';
import { bearer, createUser, loginAdmin, type Session } from './support/auth';

const MAX_BYTES = 64 * 1024;

describe('module registry (whole app, real database)', () => {
  let t: TestApp;
  let db: Client;
  let ADMIN: Session;
  let DEPLOYER: Session;
  let VIEWER: Session;

  beforeAll(async () => {
    t = await startTestApp({ env: { MODULE_MAX_BYTES: String(MAX_BYTES) } });
    db = new Client({ connectionString: t.database.url });
    await db.connect();
    ADMIN = await loginAdmin(t.server);
    DEPLOYER = await createUser(t.server, ADMIN, 'dave', ['Deployer']);
    VIEWER = await createUser(t.server, ADMIN, 'vic', ['Viewer']);
  });

  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const get = (path: string) =>
    request(t.server)
      .get(path)
      .set(...bearer(VIEWER));

  async function count(table: string): Promise<number> {
    const result = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    return result.rows[0]?.n ?? -1;
  }

  function publish(
    name: string,
    manifest: string | Record<string, unknown>,
    artifact: Buffer | undefined,
    extra: { signature?: string; signingKeyId?: string; as?: Session } = {},
  ) {
    let req = request(t.server)
      .post(`/api/v1/modules/${name}/versions`)
      .set(...bearer(extra.as ?? DEPLOYER))
      .field('manifest', typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
    if (extra.signature !== undefined) req = req.field('signature', extra.signature);
    if (extra.signingKeyId !== undefined) req = req.field('signingKeyId', extra.signingKeyId);
    if (artifact !== undefined)
      req = req.attach('artifact', artifact, { filename: 'index.js', contentType: 'application/javascript' });
    return req;
  }

  async function registerKey(key: TestKey, name: string): Promise<string> {
    const res = await request(t.server)
      .post('/api/v1/signing-keys')
      .set(...bearer(ADMIN))
      .send({ name, publicKey: key.publicPem });
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  it('publishes, lists, gets and downloads a version: same bytes, same digest', async () => {
    const s = sample('payment-processor', '2.0.0');
    const published = await publish('payment-processor', s.manifestText, s.artifact);
    expect(published.status).toBe(201);
    const digest = createHash('sha256').update(s.artifact).digest('hex');
    expect(published.body).toEqual(
      expect.objectContaining({
        name: 'payment-processor',
        version: '2.0.0',
        sha256: digest,
        size: s.artifact.length,
        signed: false,
        publishedBy: 'dave',
        yanked: false,
        manifest: s.manifest,
      }),
    );
    const list = await get('/api/v1/modules');
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([
      expect.objectContaining({ name: 'payment-processor', latestVersion: '2.0.0', versionCount: 1 }),
    ]);
    const got = await get('/api/v1/modules/payment-processor/versions/2.0.0');
    expect(got.body.sha256).toBe(digest);
    const download = await get('/api/v1/modules/payment-processor/versions/2.0.0/artifact')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(download.status).toBe(200);
    expect(Buffer.compare(download.body as Buffer, s.artifact)).toBe(0);
    expect(download.headers['x-content-sha256']).toBe(digest);
    expect(download.headers['repr-digest']).toBe(
      `sha-256=:${Buffer.from(digest, 'hex').toString('base64')}:`,
    );
    const events = await db.query(
      `SELECT type, module_name, payload FROM events WHERE type = 'module.published'`,
    );
    expect(events.rows).toEqual([
      expect.objectContaining({
        module_name: 'payment-processor',
        payload: expect.objectContaining({ version: '2.0.0', signed: false }),
      }),
    ]);
  });

  it('refuses a second publish of the same version with 409 and stores nothing more', async () => {
    const s = sample('payment-processor', '2.0.0');
    const before = await count('module_versions');
    const res = await publish(
      'payment-processor',
      s.manifestText,
      Buffer.concat([s.artifact, Buffer.from('\n')]),
    );
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('module_version_exists');
    expect(await count('module_versions')).toBe(before);
  });

  it('yanks (listed as yanked) and unyanks, with a reason, and writes module.yanked events', async () => {
    const yank = await request(t.server)
      .post('/api/v1/modules/payment-processor/versions/2.0.0/yank')
      .set(...bearer(ADMIN))
      .send({ reason: 'declines valid cards' });
    expect(yank.status).toBe(200);
    expect(yank.body).toEqual(expect.objectContaining({ yanked: true, yankReason: 'declines valid cards' }));
    const versions = await get('/api/v1/modules/payment-processor/versions');
    expect(versions.body.items[0]).toEqual(expect.objectContaining({ version: '2.0.0', yanked: true }));
    const again = await request(t.server)
      .post('/api/v1/modules/payment-processor/versions/2.0.0/yank')
      .set(...bearer(ADMIN))
      .send({ reason: 'twice' });
    expect(again.status).toBe(409);
    const noReason = await request(t.server)
      .post('/api/v1/modules/payment-processor/versions/2.0.0/unyank')
      .set(...bearer(ADMIN))
      .send({});
    expect(noReason.status).toBe(400);
    const unyank = await request(t.server)
      .post('/api/v1/modules/payment-processor/versions/2.0.0/unyank')
      .set(...bearer(ADMIN))
      .send({ reason: 'fixed upstream' });
    expect(unyank.body.yanked).toBe(false);
    const audited = await db.query(
      `SELECT action FROM audit_records WHERE action LIKE 'module.%yank' ORDER BY seq`,
    );
    expect(audited.rows.map((r: { action: string }) => r.action)).toEqual(['module.yank', 'module.unyank']);
    const events = await db.query(`SELECT payload FROM events WHERE type = 'module.yanked' ORDER BY seq`);
    expect(events.rows.map((r: { payload: { yanked: boolean } }) => r.payload.yanked)).toEqual([true, false]);
    // As the event catalogue lists it: the version and whether it is signed.
    expect(events.rows[0].payload).toMatchObject({
      version: expect.any(String),
      signed: expect.any(Boolean),
    });
  });

  describe('signatures', () => {
    const kinds: KeyKind[] = ['ed25519', 'ec-p256', 'rsa-pss', 'rsa-pkcs1'];

    it.each(kinds)('a valid %s signature verifies and the version is recorded as signed', async (kind) => {
      const key = makeKey(kind);
      const keyId = await registerKey(key, `key-${kind}`);
      const manifest = {
        version: `3.0.0-${kind.replace(/[^a-z0-9]/g, '')}`,
        description: `signed with ${kind}`,
      };
      const artifact = Buffer.from(
        `module.exports = { health() { return { status: 'healthy' }; } }; // ${kind}`,
      );
      const res = await publish('signed-module', manifest, artifact, {
        signature: signModule(key, artifact, manifest),
        signingKeyId: keyId,
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual(expect.objectContaining({ signed: true, signingKeyId: keyId }));
    });

    it.each([
      ['a flipped artifact byte', 'flip'],
      ['a changed manifest field', 'manifest'],
      ['a revoked key', 'revoked'],
      ['an unknown key', 'unknown'],
    ])('%s → 422 naming the reason, and nothing stored', async (_label, fault) => {
      const key = makeKey('ed25519');
      const keyId = await registerKey(key, `key-fault-${fault}`);
      const manifest = { version: '4.0.0', description: 'original' };
      const artifact = Buffer.from('module.exports = {};');
      const signature = signModule(key, artifact, manifest);
      let sentArtifact = artifact;
      let sentManifest: Record<string, unknown> = manifest;
      let sentKey = keyId;
      if (fault === 'flip') {
        sentArtifact = Buffer.from(artifact);
        sentArtifact[0] = (sentArtifact[0] ?? 0) ^ 0x01;
      } else if (fault === 'manifest') {
        sentManifest = { ...manifest, description: 'tampered' };
      } else if (fault === 'revoked') {
        const revoke = await request(t.server)
          .post(`/api/v1/signing-keys/${keyId}/revoke`)
          .set(...bearer(ADMIN));
        expect(revoke.status).toBe(200);
      } else {
        sentKey = '00000000-0000-4000-8000-000000000000';
      }
      const before = {
        versions: await count('module_versions'),
        artifacts: await count('module_artifacts'),
        events: await count('events'),
      };
      const res = await publish(`faulty-${fault}`, sentManifest, sentArtifact, {
        signature,
        signingKeyId: sentKey,
      });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('signature_invalid');
      const reason = {
        flip: 'does not match',
        manifest: 'does not match',
        revoked: 'revoked',
        unknown: 'not registered',
      }[fault];
      expect(res.body.detail).toContain(reason);
      expect({
        versions: await count('module_versions'),
        artifacts: await count('module_artifacts'),
        events: await count('events'),
      }).toEqual(before);
      expect((await get(`/api/v1/modules/faulty-${fault}`)).status).toBe(404);
    });

    it.each([
      ['rsa-1024', /at least 2048 bits/],
      ['ec-p384', /P-256/],
    ] as const)('refuses a weak or unsupported key (%s) with 400', async (kind, message) => {
      const res = await request(t.server)
        .post('/api/v1/signing-keys')
        .set(...bearer(ADMIN))
        .send({ name: `weak-${kind}`, publicKey: makeKey(kind).publicPem });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'publicKey', message: expect.stringMatching(message) }]);
    });

    it('refuses a key that is not a PEM public key, and a duplicate', async () => {
      const garbage = await request(t.server)
        .post('/api/v1/signing-keys')
        .set(...bearer(ADMIN))
        .send({ name: 'garbage', publicKey: 'not a key' });
      expect(garbage.status).toBe(400);
      const key = makeKey('ed25519');
      await registerKey(key, 'dup-1');
      const dup = await request(t.server)
        .post('/api/v1/signing-keys')
        .set(...bearer(ADMIN))
        .send({ name: 'dup-2', publicKey: key.publicPem });
      expect(dup.status).toBe(409);
    });
  });

  describe('SemVer', () => {
    it('accepts pre-releases and orders them before the release, newest first', async () => {
      for (const version of ['1.0.0', '1.0.0-beta.2', '1.0.0-beta.10', '0.9.0', '1.0.0-alpha']) {
        const res = await publish(
          'semver-order',
          { version },
          Buffer.from(`module.exports = {}; // ${version}`),
        );
        expect(res.status).toBe(201);
      }
      const list = await get('/api/v1/modules/semver-order/versions');
      expect((list.body.items as { version: string }[]).map((v) => v.version)).toEqual([
        '1.0.0',
        '1.0.0-beta.10',
        '1.0.0-beta.2',
        '1.0.0-alpha',
        '0.9.0',
      ]);
      const page1 = await get('/api/v1/modules/semver-order/versions?limit=2');
      const page2 = await get(
        `/api/v1/modules/semver-order/versions?limit=2&cursor=${page1.body.nextCursor as string}`,
      );
      expect((page2.body.items as { version: string }[]).map((v) => v.version)).toEqual([
        '1.0.0-beta.2',
        '1.0.0-alpha',
      ]);
      const detail = await get('/api/v1/modules/semver-order');
      expect(detail.body.latestVersion).toBe('1.0.0');
    });

    it.each(['1.0', 'v1.0.0', '1.0.0.0', '1', '1.0.a', '01.0.0'])(
      'refuses version %s with 400 naming manifest.version',
      async (version) => {
        const res = await publish('semver-bad', { version }, Buffer.from('module.exports = {};'));
        expect(res.status).toBe(400);
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field: 'manifest.version' })]),
        );
      },
    );

    it('answers 404, not 5xx, for a version path that is not SemVer', async () => {
      const res = await get('/api/v1/modules/semver-order/versions/v1.0');
      expect(res.status).toBe(404);
    });
  });

  describe('roles', () => {
    it('a Viewer reads but cannot publish; only an Admin manages keys and yanks', async () => {
      const s = sample('inventory-service', '1.4.0');
      expect((await get('/api/v1/modules')).status).toBe(200);
      expect((await get('/api/v1/signing-keys')).status).toBe(200);
      expect((await publish('inventory-service', s.manifestText, s.artifact, { as: VIEWER })).status).toBe(
        403,
      );
      const key = makeKey('ed25519');
      const asDeployer = await request(t.server)
        .post('/api/v1/signing-keys')
        .set(...bearer(DEPLOYER))
        .send({ name: 'deployer-key', publicKey: key.publicPem });
      expect(asDeployer.status).toBe(403);
      const yank = await request(t.server)
        .post('/api/v1/modules/payment-processor/versions/2.0.0/yank')
        .set(...bearer(DEPLOYER))
        .send({ reason: 'not mine to yank' });
      expect(yank.status).toBe(403);
      expect((await request(t.server).get('/api/v1/modules')).status).toBe(401);
    });
  });

  describe('bad input', () => {
    it('lists every error of a bad publish at once', async () => {
      const res = await request(t.server)
        .post('/api/v1/modules/Bad_Name/versions')
        .set(...bearer(DEPLOYER))
        .field(
          'manifest',
          JSON.stringify({
            version: '1.0',
            name: 'other',
            resources: { memoryMb: -1 },
            dependencies: { 'x!': 'nonsense range !!' },
            extra: true,
          }),
        )
        .field('signature', 'c2ln');
      expect(res.status).toBe(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'name',
          'manifest.version',
          'manifest.resources.memoryMb',
          'manifest.extra',
          'manifest.dependencies.x!',
          'artifact',
          'signingKeyId',
        ]),
      );
    });

    it('answers 400 for a manifest that is not JSON', async () => {
      const res = await publish('not-json', '{version:', Buffer.from('x'));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'manifest', message: 'manifest must be a JSON text' }]);
    });

    it('refuses a JSON body on the publish route with 415', async () => {
      const res = await request(t.server)
        .post('/api/v1/modules/json-body/versions')
        .set(...bearer(DEPLOYER))
        .send({ manifest: '{}' });
      expect(res.status).toBe(415);
    });

    it('answers an oversized artifact with 413 and stores nothing', async () => {
      const before = {
        versions: await count('module_versions'),
        artifacts: await count('module_artifacts'),
        modules: await count('modules'),
      };
      const res = await publish('too-big', { version: '1.0.0' }, Buffer.alloc(MAX_BYTES + 1, 0x61));
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
      expect({
        versions: await count('module_versions'),
        artifacts: await count('module_artifacts'),
        modules: await count('modules'),
      }).toEqual(before);
    });

    it('answers unknown modules and versions with 404', async () => {
      expect((await get('/api/v1/modules/no-such-module')).status).toBe(404);
      expect((await get('/api/v1/modules/no-such-module/versions')).status).toBe(404);
      expect((await get('/api/v1/modules/payment-processor/versions/9.9.9')).status).toBe(404);
      expect((await get('/api/v1/modules/payment-processor/versions/9.9.9/artifact')).status).toBe(404);
      expect((await get('/api/v1/signing-keys/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    });
  });
});
