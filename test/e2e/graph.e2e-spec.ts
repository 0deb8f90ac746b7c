import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { Client } from 'pg';
import { bearer, createUser, loginAdmin, type Session } from './support/auth';
import { startTestApp, type TestApp } from './support/test-app';

describe('knowledge graph API', () => {
  let t: TestApp;
  let admin: Session;
  let viewer: Session;
  const api = () => request(t.server);

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t.server);
    viewer = await createUser(t.server, admin, 'graph-viewer', ['Viewer']);
  });

  afterAll(async () => {
    await t.close();
  });

  const entity = async (name: string, type = 'Service', properties: Record<string, unknown> = {}) => {
    const res = await api()
      .post('/api/v1/graph/entities')
      .set(...bearer(admin))
      .send({ type, properties: { name, ...properties } });
    expect(res.status).toBe(201);
    return res.body as { id: string; version: number };
  };
  const link = async (a: string, b: string, weight: number, isDirected = true) => {
    const res = await api()
      .post('/api/v1/graph/relationships')
      .set(...bearer(admin))
      .send({ type: 'calls', sourceEntityId: a, targetEntityId: b, weight, isDirected });
    expect(res.status).toBe(201);
    return res.body as { id: string };
  };

  it('CRUD with optimistic concurrency; Viewers read but do not write', async () => {
    const a = await entity('crud');
    expect(
      (
        await api()
          .get(`/api/v1/graph/entities/${a.id}`)
          .set(...bearer(viewer))
      ).body.properties,
    ).toEqual({ name: 'crud' });
    expect(
      (
        await api()
          .post('/api/v1/graph/entities')
          .set(...bearer(viewer))
          .send({ type: 'X', properties: {} })
      ).status,
    ).toBe(403);
    const ok = await api()
      .patch(`/api/v1/graph/entities/${a.id}`)
      .set(...bearer(admin))
      .send({ version: 1, properties: { name: 'v2' } });
    expect(ok.body).toMatchObject({ version: 2 });
    expect(ok.status).toBe(200);
    expect(ok.body.version).toBe(2);
    const stale = await api()
      .patch(`/api/v1/graph/entities/${a.id}`)
      .set(...bearer(admin))
      .send({ version: 1, properties: { name: 'v3' } });
    expect(stale.status).toBe(409);
    const b = await entity('crud-b');
    const r = await link(a.id, b.id, 1);
    expect(
      (
        await api()
          .delete(`/api/v1/graph/entities/${b.id}`)
          .set(...bearer(admin))
      ).status,
    ).toBe(204);
    expect(
      (
        await api()
          .get(`/api/v1/graph/relationships/${r.id}`)
          .set(...bearer(admin))
      ).status,
    ).toBe(404); // cascaded
  });

  it('enforces the latest schema on every write, listing each violation (400); negative weight → 400', async () => {
    const schema = await api()
      .post('/api/v1/graph/schemas')
      .set(...bearer(admin))
      .send({
        version: '1.0.0',
        definition: {
          entityTypes: {
            Team: {
              properties: {
                name: { type: 'string', required: true, pattern: '^[a-z]+$' },
                size: { type: 'integer', min: 1, max: 50 },
              },
            },
            Repo: { properties: { url: { type: 'string', required: true } } },
          },
          relationshipTypes: { owns: { sourceTypes: ['Team'], targetTypes: ['Repo'] } },
        },
      });
    expect(schema.status).toBe(201);
    const older = await api()
      .post('/api/v1/graph/schemas')
      .set(...bearer(admin))
      .send({ version: '0.9.0', definition: {} });
    expect(older.status).toBe(409);
    expect(
      (
        await api()
          .get('/api/v1/graph/schemas/7.7.7')
          .set(...bearer(viewer))
      ).status,
    ).toBe(404);
    expect(
      (
        await api()
          .get('/api/v1/graph/schemas/latest')
          .set(...bearer(viewer))
      ).body.version,
    ).toBe('1.0.0');
    const bad = await api()
      .post('/api/v1/graph/entities')
      .set(...bearer(admin))
      .send({ type: 'Team', properties: { size: 99 } });
    expect(bad.status).toBe(400);
    expect((bad.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'properties.name',
      'properties.size',
    ]);
    const typed = await api()
      .post('/api/v1/graph/entities')
      .set(...bearer(admin))
      .send({ type: 'Team', properties: { name: 'Bad Name', size: 'x' } });
    expect(typed.body.errors).toEqual([
      { field: 'properties.name', message: expect.stringContaining('pattern') },
      { field: 'properties.size', message: expect.stringContaining('type integer') },
    ]);
    const team = await api()
      .post('/api/v1/graph/entities')
      .set(...bearer(admin))
      .send({ type: 'Team', properties: { name: 'core', size: 0 } });
    expect(team.status).toBe(400);
    expect(team.body.errors[0].message).toContain('at least 1');
    const core = await entity('core', 'Team');
    const repo = await api()
      .post('/api/v1/graph/entities')
      .set(...bearer(admin))
      .send({ type: 'Repo', properties: { url: 'git://x' } });
    const wrong = await api()
      .post('/api/v1/graph/relationships')
      .set(...bearer(admin))
      .send({ type: 'owns', sourceEntityId: repo.body.id, targetEntityId: core.id, weight: -1 });
    expect(wrong.status).toBe(400);
    expect((wrong.body as { errors: { field: string }[] }).errors.map((e) => e.field).sort()).toEqual([
      'sourceEntityId',
      'targetEntityId',
      'weight',
    ]);
  });

  it('paths: Dijkstra via the cheaper route, BFS by hops, all paths, undirected both ways, 404 when none', async () => {
    const [a, b, c, d] = [await entity('pa'), await entity('pb'), await entity('pc'), await entity('pd')];
    await link(a.id, b.id, 1);
    await link(b.id, d.id, 1);
    await link(a.id, c.id, 10);
    await link(c.id, d.id, 1);
    const shortest = await api()
      .get(`/api/v1/graph/paths/shortest?from=${a.id}&to=${d.id}`)
      .set(...bearer(viewer));
    expect(shortest.status).toBe(200);
    expect((shortest.body as { entities: { id: string }[] }).entities.map((e) => e.id)).toEqual([
      a.id,
      b.id,
      d.id,
    ]);
    expect(shortest.body).toMatchObject({ totalWeight: 2, hops: 2 });
    const all = await api()
      .get(`/api/v1/graph/paths/all?from=${a.id}&to=${d.id}&maxDepth=2`)
      .set(...bearer(viewer));
    expect(all.body.paths).toHaveLength(2);
    const none = await api()
      .get(`/api/v1/graph/paths/shortest?from=${d.id}&to=${a.id}`)
      .set(...bearer(viewer));
    expect(none.status).toBe(404);
    expect(none.body.detail).toMatch(/No path from entity/);
    const [u, v] = [await entity('ua'), await entity('ub')];
    await link(v.id, u.id, 3, false);
    const undirected = await api()
      .get(`/api/v1/graph/paths/shortest?from=${u.id}&to=${v.id}&weighted=false`)
      .set(...bearer(viewer));
    expect(undirected.body).toMatchObject({ totalWeight: 3, hops: 1 });
    const hood = await api()
      .get(`/api/v1/graph/entities/${a.id}/neighbors?depth=2&direction=outgoing`)
      .set(...bearer(viewer));
    expect((hood.body as { entities: { id: string }[] }).entities.map((e) => e.id).sort()).toEqual(
      [b.id, c.id, d.id].sort(),
    );
  });

  it('query: plan and cache; a write makes the next answer fresh; stats count hits and misses; unknown operator → 400', async () => {
    await entity('q1', 'Widget', { size: 3 });
    const body = { entityType: 'Widget', filters: [{ property: 'size', operator: 'GreaterThan', value: 2 }] };
    const first = await api()
      .post('/api/v1/graph/query')
      .set(...bearer(viewer))
      .send(body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      totalCount: 1,
      fromCache: false,
      plan: { accessPath: expect.any(String) },
    });
    const second = await api()
      .post('/api/v1/graph/query')
      .set(...bearer(viewer))
      .send(body);
    expect(second.body.fromCache).toBe(true);
    await entity('q2', 'Widget', { size: 4 });
    const third = await api()
      .post('/api/v1/graph/query')
      .set(...bearer(viewer))
      .send(body);
    expect(third.body).toMatchObject({ fromCache: false, totalCount: 2 });
    const stats = await api()
      .get('/api/v1/graph/stats')
      .set(...bearer(viewer));
    expect(stats.body.cache.hits).toBeGreaterThanOrEqual(1);
    expect(stats.body.cache.misses).toBeGreaterThanOrEqual(2);
    const unknown = await api()
      .post('/api/v1/graph/query')
      .set(...bearer(viewer))
      .send({ filters: [{ property: 'size', operator: 'Around', value: 1 }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('filters.0.operator');
  });

  it('impact: inventory-service depending on payment-processor, both running → listed with its environments and nodes', async () => {
    const db = new Client({ connectionString: t.database.url });
    await db.connect();
    try {
      const env = await db.query<{ id: string }>("SELECT id FROM environments WHERE name = 'Production'");
      const envId = env.rows[0]?.id;
      const sha = (n: string) => n.repeat(64).slice(0, 64);
      for (const [name, version, deps, s] of [
        ['payment-processor', '1.4.0', {}, 'a'],
        ['inventory-service', '2.0.0', { 'payment-processor': '^1.2.0' }, 'b'],
      ] as const) {
        await db.query('INSERT INTO modules (name) VALUES ($1)', [name]);
        await db.query('INSERT INTO module_artifacts (sha256, content, size) VALUES ($1, $2, 1)', [
          sha(s),
          Buffer.from('x'),
        ]);
        await db.query(
          `INSERT INTO module_versions (id, module_name, version, sha256, size, manifest, published_by, published_at)
           VALUES ($1, $2, $3, $4, 1, $5, 'admin', now())`,
          [randomUUID(), name, version, sha(s), JSON.stringify({ name, version, dependencies: deps })],
        );
      }
      for (const [node, module, version] of [
        ['prod-1', 'payment-processor', '1.4.0'],
        ['prod-2', 'inventory-service', '2.0.0'],
      ] as const) {
        const id = randomUUID();
        await db.query(
          `INSERT INTO nodes (id, name, environment_id, labels, kind, status, status_reason, status_changed_at, registered_at)
           VALUES ($1, $2, $3, '{}', 'simulated', 'Running', '', now(), now())`,
          [id, node, envId],
        );
        await db.query(
          `INSERT INTO node_modules (node_id, module_name, active_version, state, updated_at) VALUES ($1, $2, $3, 'Active', now())`,
          [id, module, version],
        );
      }
    } finally {
      await db.end();
    }
    expect(
      (
        await api()
          .post('/api/v1/graph/topology/rebuild')
          .set(...bearer(viewer))
      ).status,
    ).toBe(403);
    const rebuilt = await api()
      .post('/api/v1/graph/topology/rebuild')
      .set(...bearer(admin));
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.changed).toBeGreaterThan(0);
    const again = await api()
      .post('/api/v1/graph/topology/rebuild')
      .set(...bearer(admin));
    expect(again.body.changed).toBe(0); // idempotent
    const impact = await api()
      .get('/api/v1/graph/impact?module=payment-processor&version=1.4.0')
      .set(...bearer(viewer));
    expect(impact.status).toBe(200);
    expect(impact.body.runningOn).toMatchObject({
      environments: ['Production'],
      nodes: [expect.objectContaining({ name: 'prod-1' })],
    });
    expect(impact.body.dependents).toEqual([
      expect.objectContaining({
        module: 'inventory-service',
        version: '2.0.0',
        range: '^1.2.0',
        environments: ['Production'],
        nodes: [expect.objectContaining({ name: 'prod-2' })],
      }),
    ]);
    const unbound = await api()
      .get('/api/v1/graph/impact?module=payment-processor&version=2.0.0')
      .set(...bearer(viewer));
    expect(unbound.body.dependents).toEqual([]); // ^1.2.0 does not bind 2.0.0
    const mirrored = await api()
      .post('/api/v1/graph/query')
      .set(...bearer(viewer))
      .send({
        entityType: 'Module',
        filters: [{ property: 'name', operator: 'Equals', value: 'inventory-service' }],
      });
    const id = mirrored.body.entities[0].id as string;
    const readOnly = await api()
      .patch(`/api/v1/graph/entities/${id}`)
      .set(...bearer(admin))
      .send({ version: 1, properties: {} });
    expect(readOnly.status).toBe(409);
  });
});
