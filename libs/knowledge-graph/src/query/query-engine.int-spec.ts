import { SYSTEM_PRINCIPAL } from '@hotswap/contracts';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../../../apps/api/src/schema';
import { graphOn } from '../testing';
import type { GraphQuery, PropertyFilter } from './query.types';

const query = (q: Partial<GraphQuery>): GraphQuery => ({
  filters: [],
  relationshipPatterns: [],
  maxDepth: 1,
  pageSize: 200,
  skip: 0,
  timeoutMs: 5_000,
  ...q,
});

describe('graph query engine (PostgreSQL)', () => {
  let db: TestDatabase;
  let g: Awaited<ReturnType<typeof graphOn>>;
  const names = async (filters: PropertyFilter[]) =>
    (await g.engine.run(query({ entityType: 'Service', filters }))).entities
      .map((e) => e.properties.name)
      .sort();

  beforeAll(async () => {
    db = await createTestDatabase(SCHEMA);
    g = await graphOn(db.url, SCHEMA);
    const rows: [string, Record<string, unknown>][] = [
      ['Service', { name: 'api', port: 8080, tier: 'gold', tags: ['web', 'edge'], owner: 'team-a' }],
      ['Service', { name: 'db', port: 5432, tier: 'silver', tags: ['data'], owner: null }],
      ['Service', { name: 'cache', port: '6379', tier: 'bronze' }],
      ['Service', { name: 'worker', port: 9, tier: 'gold', tags: [] }],
      ['Host', { name: 'h1', port: 8080 }],
    ];
    for (const [type, properties] of rows) await g.service.createEntity(type, properties, SYSTEM_PRINCIPAL);
  });

  afterAll(async () => {
    await g.close();
    await db.drop();
  });

  it.each<[string, PropertyFilter, string[]]>([
    ['Equals (number)', { property: 'port', operator: 'Equals', value: 8080 }, ['api']],
    [
      'Equals (string "6379" is not the number 6379)',
      { property: 'port', operator: 'Equals', value: 6379 },
      [],
    ],
    ['Equals (string)', { property: 'port', operator: 'Equals', value: '6379' }, ['cache']],
    [
      'NotEquals (missing property matches)',
      { property: 'owner', operator: 'NotEquals', value: 'team-a' },
      ['cache', 'db', 'worker'],
    ],
    ['GreaterThan (numbers only)', { property: 'port', operator: 'GreaterThan', value: 5432 }, ['api']],
    ['GreaterThanOrEqual', { property: 'port', operator: 'GreaterThanOrEqual', value: 5432 }, ['api', 'db']],
    [
      'LessThan (9 < 10 numerically, not as text)',
      { property: 'port', operator: 'LessThan', value: 10 },
      ['worker'],
    ],
    ['LessThanOrEqual', { property: 'port', operator: 'LessThanOrEqual', value: 5432 }, ['db', 'worker']],
    [
      'GreaterThan (strings compare as strings)',
      { property: 'tier', operator: 'GreaterThan', value: 'gold' },
      ['db'],
    ],
    ['Contains (substring)', { property: 'name', operator: 'Contains', value: 'ac' }, ['cache']],
    ['Contains (array element)', { property: 'tags', operator: 'Contains', value: 'web' }, ['api']],
    ['NotContains', { property: 'tags', operator: 'NotContains', value: 'web' }, ['cache', 'db', 'worker']],
    ['StartsWith', { property: 'name', operator: 'StartsWith', value: 'wo' }, ['worker']],
    ['EndsWith', { property: 'name', operator: 'EndsWith', value: 'he' }, ['cache']],
    ['Matches', { property: 'name', operator: 'Matches', value: '^(?:a|d)[a-z]$' }, ['db']],
    ['In (mixed types)', { property: 'port', operator: 'In', value: [9, '6379', 1] }, ['cache', 'worker']],
    ['In with an empty list matches nothing', { property: 'port', operator: 'In', value: [] }, []],
    ['NotIn', { property: 'tier', operator: 'NotIn', value: ['gold'] }, ['cache', 'db']],
    [
      'NotIn with an empty list matches everything',
      { property: 'tier', operator: 'NotIn', value: [] },
      ['api', 'cache', 'db', 'worker'],
    ],
    ['IsNull (missing or JSON null)', { property: 'owner', operator: 'IsNull' }, ['cache', 'db', 'worker']],
    ['IsNotNull', { property: 'owner', operator: 'IsNotNull' }, ['api']],
  ])('%s', async (_name, filter, expected) => {
    expect(await names([filter])).toEqual(expected);
  });

  it('refuses an unknown operator and an unsafe pattern, listing each (400)', async () => {
    await expect(
      g.engine.run(
        query({
          filters: [
            { property: 'a', operator: 'Like' as never, value: 1 },
            { property: 'name', operator: 'Matches', value: '(a+)+$' },
          ],
        }),
      ),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      fieldErrors: [
        expect.objectContaining({ field: 'filters.0.operator' }),
        expect.objectContaining({ field: 'filters.1.value' }),
      ],
    });
  });

  it('answers a repeated query from the cache until a write, then fresh', async () => {
    const q = query({
      entityType: 'Service',
      filters: [{ property: 'tier', operator: 'Equals', value: 'gold' }],
    });
    const first = await g.engine.run(q);
    const second = await g.engine.run(q);
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(second.totalCount).toBe(2);
    const worker = first.entities.find((e) => e.properties.name === 'worker');
    await g.service.updateEntity(
      worker?.id ?? '',
      worker?.version ?? 0,
      { name: 'worker', tier: 'silver' },
      SYSTEM_PRINCIPAL,
    );
    const third = await g.engine.run(q);
    expect(third.fromCache).toBe(false);
    expect(third.totalCount).toBe(1);
  });

  it('cancels a query past its timeoutMs (503 naming the limit)', async () => {
    // A pattern walking a large synthetic chain is slow enough to pass 1 ms.
    await g.database.manager().query(`
      INSERT INTO graph_entities (id, type, properties, created_by, updated_by)
      SELECT gen_random_uuid(), 'Chain', jsonb_build_object('i', i), 't', 't' FROM generate_series(1, 30000) i`);
    await expect(
      g.engine.run(
        query({
          entityType: 'Chain',
          filters: [
            { property: 'i', operator: 'Matches', value: '^[0-9]+$' },
            { property: 'i', operator: 'NotIn', value: [1, 2, 3] },
          ],
          timeoutMs: 1,
        }),
      ),
    ).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('timeoutMs limit of 1 ms'),
    });
  });
});
