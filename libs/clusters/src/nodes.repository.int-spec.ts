import { createDataSource, Database } from '@hotswap/database';
import { createTestDatabase, postgresServer, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../../apps/api/src/schema';
import { NodesRepository } from './nodes.repository';

const ENV = '00000000-0000-4000-8000-0000000000e1';
const NODE_A = '00000000-0000-4000-8000-0000000000a1';
const NODE_B = '00000000-0000-4000-8000-0000000000b1';

describe('NodesRepository on the PostgreSQL server', () => {
  const server = postgresServer();
  let database: TestDatabase | undefined;
  let db: Database;
  let nodes: NodesRepository;

  beforeAll(async () => {
    if (!server.available) return;
    database = await createTestDatabase(SCHEMA);
    const dataSource = createDataSource({ url: database.url, poolSize: 2, schema: SCHEMA });
    await dataSource.initialize();
    db = new Database(dataSource);
    nodes = new NodesRepository(db);
    await dataSource.query(
      `INSERT INTO environments (id, name, name_key, rank, default_strategy, strategy_defaults, approval_policy,
                                 require_signed_modules, max_concurrent_deployments)
       VALUES ($1, 'Repo-Test', 'repo-test', 9001, 'Direct', '{}', '{}', false, 5)`,
      [ENV],
    );
    for (const [id, name] of [
      [NODE_A, 'repo-a'],
      [NODE_B, 'repo-b'],
    ] as const) {
      await dataSource.query(
        `INSERT INTO nodes (id, name, environment_id, labels, kind, status, status_reason, status_changed_at, registered_at)
         VALUES ($1, $2, $3, '{}', 'simulated', 'Healthy', '', now(), now())`,
        [id, name, ENV],
      );
    }
    await nodes.upsertSlots(
      [NODE_A, NODE_B].map((nodeId) => ({
        nodeId,
        moduleName: 'billing',
        activeVersion: '2.0.0',
        standbyVersion: null,
        previousVersion: '1.0.0',
        previousRetainedUntil: null,
        previousLoaded: false,
        state: 'Active' as const,
        lastError: null,
      })),
      new Date(),
    );
  });

  afterAll(async () => {
    await db?.dataSource.destroy();
    await database?.drop();
  });

  it('notes an error on one module of the named nodes only, leaving their slots as they are', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    await nodes.noteModuleError([NODE_A], 'billing', 'needs reconciliation', new Date());
    await nodes.noteModuleError([NODE_B], 'other-module', 'not this one', new Date());
    const rows = await nodes.modulesNamed([NODE_A, NODE_B], 'billing');
    const byNode = new Map(rows.map((r) => [r.nodeId, r]));
    expect(byNode.get(NODE_A)).toEqual(
      expect.objectContaining({
        activeVersion: '2.0.0',
        previousVersion: '1.0.0',
        state: 'Active',
        lastError: 'needs reconciliation',
      }),
    );
    expect(byNode.get(NODE_B)?.lastError).toBeNull();
  });
});
