import { SYSTEM_PRINCIPAL } from '@hotswap/contracts';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../../../apps/api/src/schema';
import { graphOn } from '../testing';
import type { GraphQuery } from './query.types';

const query = (q: Partial<GraphQuery>): GraphQuery => ({
  filters: [],
  relationshipPatterns: [],
  maxDepth: 1,
  pageSize: 50,
  skip: 0,
  timeoutMs: 10_000,
  ...q,
});

describe('graph query planner (PostgreSQL statistics and EXPLAIN)', () => {
  let db: TestDatabase;
  let g: Awaited<ReturnType<typeof graphOn>>;

  beforeAll(async () => {
    db = await createTestDatabase(SCHEMA);
    g = await graphOn(db.url, SCHEMA);
    // 20,000 servers: one is 'quarantined', the rest 'active'; 2,000 hosts.
    await g.database.manager().query(`
      INSERT INTO graph_entities (id, type, properties, created_by, updated_by)
      SELECT gen_random_uuid(), 'Server',
             jsonb_build_object('serial', 'S' || i, 'status', CASE WHEN i = 7 THEN 'quarantined' ELSE 'active' END, 'rack', i % 40),
             't', 't'
      FROM generate_series(1, 20000) i`);
    await g.database.manager().query(`
      INSERT INTO graph_entities (id, type, properties, created_by, updated_by)
      SELECT gen_random_uuid(), 'Host', jsonb_build_object('status', 'active'), 't', 't' FROM generate_series(1, 2000) i`);
    await g.repository.bumpGeneration();
  });

  afterAll(async () => {
    await g.close();
    await db.drop();
  });

  const rare = query({
    entityType: 'Server',
    filters: [
      { property: 'rack', operator: 'GreaterThan', value: 3 },
      { property: 'status', operator: 'Equals', value: 'quarantined' },
    ],
  });

  it('drives a highly selective filter through the GIN index: in its plan and in PostgreSQL EXPLAIN', async () => {
    await g.engine.refreshStatistics();
    const { plan, explain } = await g.engine.explain(rare);
    expect(plan.accessPath).toBe('PropertyIndex');
    expect(plan.drivingFilter).toEqual({ property: 'status', operator: 'Equals', value: 'quarantined' });
    expect(explain).toContain('idx_graph_entities_properties');
    const result = await g.engine.run(rare);
    expect(result.plan).toEqual(plan);
    expect(result.totalCount).toBe(1);
    expect(result.entities[0]?.properties.serial).toBe('S7');
  });

  it('changes the plan when the statistics change, and PostgreSQL then reads no property index', async () => {
    // Now almost every server is quarantined: the same filter keeps ~all rows.
    await g.database
      .manager()
      .query(
        `UPDATE graph_entities SET properties = properties || '{"status":"quarantined"}' WHERE type = 'Server' AND properties->>'serial' <> 'S1'`,
      );
    await g.repository.bumpGeneration();
    const before = (await g.engine.explain(rare)).plan;
    expect(before.accessPath).toBe('PropertyIndex'); // still the old statistics
    await g.engine.refreshStatistics();
    const { plan, explain } = await g.engine.explain(rare);
    expect(plan.accessPath).not.toBe('PropertyIndex');
    expect(explain).not.toContain('idx_graph_entities_properties');
    const result = await g.engine.run(rare);
    expect(result.plan.accessPath).toBe(plan.accessPath);
    expect(result.totalCount).toBe(18_000); // rack > 3 keeps 36 of 40 racks; S1 (rack 1) is out anyway
  });

  it('orders residual filters most selective first', async () => {
    const { plan } = await g.engine.explain(
      query({
        entityType: 'Host',
        filters: [
          { property: 'status', operator: 'NotEquals', value: 'gone' },
          { property: 'status', operator: 'In', value: ['nope'] },
        ],
      }),
    );
    const filters = plan.steps.filter((s) => s.kind === 'Filter').map((s) => s.description);
    expect(filters.indexOf('status In ["nope"]')).toBeLessThan(filters.indexOf('status NotEquals "gone"'));
  });

  it('matches relationship patterns within maxDepth, returning the relationships', async () => {
    const p = SYSTEM_PRINCIPAL;
    const a = await g.service.createEntity('Svc', { name: 'a' }, p);
    const b = await g.service.createEntity('Svc', { name: 'b' }, p);
    const c = await g.service.createEntity('Db', { name: 'c', engine: 'pg' }, p);
    const ab = await g.service.createRelationship(
      { type: 'calls', sourceEntityId: a.id, targetEntityId: b.id, weight: 2 },
      p,
    );
    await g.service.createRelationship(
      { type: 'calls', sourceEntityId: b.id, targetEntityId: c.id, weight: 5 },
      p,
    );
    const pattern = {
      type: 'calls',
      direction: 'Outgoing' as const,
      targetEntityType: 'Db',
      targetFilters: [{ property: 'engine', operator: 'Equals' as const, value: 'pg' }],
    };
    const one = await g.engine.run(query({ entityType: 'Svc', relationshipPatterns: [pattern] }));
    expect(one.entities.map((e) => e.properties.name)).toEqual(['b']);
    const two = await g.engine.run(
      query({ entityType: 'Svc', relationshipPatterns: [pattern], maxDepth: 2 }),
    );
    expect(two.entities.map((e) => e.properties.name).sort()).toEqual(['a', 'b']);
    expect(two.relationships.map((r) => r.id)).toContain(ab.id);
    const light = await g.engine.run(
      query({ entityType: 'Svc', relationshipPatterns: [{ ...pattern, maxWeight: 3 }], maxDepth: 2 }),
    );
    expect(light.entities).toEqual([]);
    const incoming = await g.engine.run(
      query({
        entityType: 'Db',
        relationshipPatterns: [{ type: 'calls', direction: 'Incoming', targetFilters: [] }],
      }),
    );
    expect(incoming.entities.map((e) => e.properties.name)).toEqual(['c']);
  });
});
