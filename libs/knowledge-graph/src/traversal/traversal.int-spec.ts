import { SYSTEM_PRINCIPAL } from '@hotswap/contracts';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../../../apps/api/src/schema';
import { graphOn } from '../testing';

describe('traversal on the PostgreSQL-backed snapshot, across two replicas', () => {
  let db: TestDatabase;
  let a: Awaited<ReturnType<typeof graphOn>>;
  let b: Awaited<ReturnType<typeof graphOn>>;
  const p = SYSTEM_PRINCIPAL;

  beforeAll(async () => {
    db = await createTestDatabase(SCHEMA);
    a = await graphOn(db.url, SCHEMA, 2);
    b = await graphOn(db.url, SCHEMA, 2);
  });

  afterAll(async () => {
    await a.close();
    await b.close();
    await db.drop();
  });

  it('answers paths from the loaded snapshot, sees its own writes at once and the other replica’s through the generation', async () => {
    const [x, y, z] = [
      await a.service.createEntity('N', { n: 'x' }, p),
      await a.service.createEntity('N', { n: 'y' }, p),
      await a.service.createEntity('N', { n: 'z' }, p),
    ];
    await a.service.createRelationship(
      { type: 'to', sourceEntityId: x.id, targetEntityId: y.id, weight: 4 },
      p,
    );
    const first = await a.traversal.shortest(x.id, y.id, true);
    expect(first).toMatchObject({ totalWeight: 4, hops: 1 });
    expect(first.entities.map((e) => e.id)).toEqual([x.id, y.id]);

    // Replica b loads its own snapshot, then replica a adds a cheaper route.
    b.snapshots.recheckMs = 0;
    expect((await b.traversal.shortest(x.id, y.id, true)).totalWeight).toBe(4);
    await a.service.createRelationship(
      { type: 'to', sourceEntityId: x.id, targetEntityId: z.id, weight: 1 },
      p,
    );
    await a.service.createRelationship(
      { type: 'to', sourceEntityId: z.id, targetEntityId: y.id, weight: 1 },
      p,
    );
    // a: its own commits force a recheck (read-your-writes) despite the window.
    expect((await a.traversal.shortest(x.id, y.id, true)).totalWeight).toBe(2);
    // b: the shared generation moved, so its next traversal reloads.
    const viaB = await b.traversal.shortest(x.id, y.id, true);
    expect(viaB.entities.map((e) => e.id)).toEqual([x.id, z.id, y.id]);

    // The query caches of both replicas follow the same generation.
    const q = {
      entityType: 'N',
      filters: [],
      relationshipPatterns: [],
      maxDepth: 1,
      pageSize: 10,
      skip: 0,
      timeoutMs: 5000,
    };
    expect((await b.engine.run(q)).totalCount).toBe(3);
    expect((await b.engine.run(q)).fromCache).toBe(true);
    await a.service.deleteEntity(z.id);
    const fresh = await b.engine.run(q);
    expect(fresh).toMatchObject({ fromCache: false, totalCount: 2 });
    await expect(b.traversal.shortest(y.id, x.id, true)).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('No path from entity'),
    });
    expect((await b.traversal.shortest(y.id, x.id, true, 'incoming')).totalWeight).toBe(4);
  });
});
