import { createDataSource, Database } from '@hotswap/database';
import { createTestDatabase, postgresServer, type TestDatabase } from '@hotswap/testing';
import { randomUUID } from 'node:crypto';
import { SCHEMA } from '../../../apps/api/src/schema';
import { DeploymentQueries } from './deployment-queries';
import { DeploymentsRepository } from './deployments.repository';
import type { ListDeploymentsQueryDto } from './dto/deployment-queries.dto';

describe('DeploymentQueries.list on PostgreSQL: newest first, pages without gaps or repeats', () => {
  const server = postgresServer();
  let database: TestDatabase | undefined;
  let db: Database;
  let queries: DeploymentQueries;

  beforeAll(async () => {
    if (!server.available) return;
    database = await createTestDatabase(SCHEMA);
    const dataSource = createDataSource({ url: database.url, poolSize: 2, schema: SCHEMA });
    await dataSource.initialize();
    db = new Database(dataSource);
    queries = new DeploymentQueries(new DeploymentsRepository(db));
  });

  afterAll(async () => {
    await db?.dataSource.destroy();
    await database?.drop();
  });

  /** A deployment row created at `at` (SQL timestamp text, which may carry microseconds). */
  async function insertAt(at: string, moduleName: string, rollbackOf: string | null = null): Promise<string> {
    const id = randomUUID();
    await db.dataSource.query(
      `INSERT INTO deployments (id, kind, module_name, version, target_environment, promotion, requested_by,
                                status, current_stage, trace_id, created_at, rollback_of)
       VALUES ($1, $4, $2, '1.0.0', 'Development', 'target-only', 'admin', 'Failed', 0, '', $3::timestamptz, $5)`,
      [id, moduleName, at, rollbackOf === null ? 'deploy' : 'rollback', rollbackOf],
    );
    return id;
  }

  it('links a deployment to the rollbacks that undo it, and each rollback to it', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    const original = await insertAt('2026-12-02 11:00:00+00', 'linked-module');
    const first = await insertAt('2026-12-02 11:05:00+00', 'linked-module', original);
    const second = await insertAt('2026-12-02 11:10:00+00', 'linked-module', original);
    const unrelated = await insertAt('2026-12-02 11:20:00+00', 'linked-module');
    expect((await queries.detail(original)).rolledBackBy).toEqual([first, second]);
    expect(await queries.detail(first)).toMatchObject({ rollbackOf: original, rolledBackBy: [] });
    expect((await queries.detail(unrelated)).rolledBackBy).toEqual([]);
  });

  async function allPages(query: Omit<ListDeploymentsQueryDto, 'cursor'>): Promise<string[][]> {
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await queries.list({ ...query, ...(cursor === undefined ? {} : { cursor }) });
      pages.push(page.items.map((d) => d.id));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    return pages;
  }

  it('returns every deployment once when several were created within one millisecond', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    const older = await insertAt('2026-12-02 10:00:00.100+00', 'pager-module');
    // Created a few microseconds apart, all in the same millisecond.
    const same = [];
    for (const micros of ['123401', '123402', '123403', '123404'])
      same.push(await insertAt(`2026-12-02 10:00:00.${micros}+00`, 'pager-module'));
    const newer = await insertAt('2026-12-02 10:00:01.000+00', 'pager-module');

    const pages = await allPages({ module: 'pager-module', limit: 1 });
    const listed = pages.flat();
    expect(listed).toHaveLength(6);
    expect(new Set(listed).size).toBe(6);
    // Newest first; within one millisecond, a stable order (by id, descending).
    expect(listed[0]).toBe(newer);
    expect(listed.slice(1, 5)).toEqual([...same].sort().reverse());
    expect(listed[5]).toBe(older);
    // The first page alone is the same list's start.
    expect(pages[0]).toEqual([newer]);
  });
});

describe('DeploymentsRepository on PostgreSQL with prepared statements', () => {
  const server = postgresServer();
  let database: TestDatabase | undefined;
  let db: Database;
  let repository: DeploymentsRepository;

  beforeAll(async () => {
    if (!server.available) return;
    database = await createTestDatabase(SCHEMA);
    const dataSource = createDataSource({ url: database.url, poolSize: 2, schema: SCHEMA });
    await dataSource.initialize();
    db = new Database(dataSource, { preparedStatements: true });
    repository = new DeploymentsRepository(db);
    // Many finished deployments and a few running ones, as a long-lived installation has.
    await dataSource.query(
      `INSERT INTO deployments (id, kind, module_name, version, target_environment, promotion, requested_by,
                                status, current_stage, trace_id)
       SELECT gen_random_uuid(), 'deploy', 'module-' || (i % 50), '1.0.0', 'Development', 'target-only', 'admin',
              CASE WHEN i % 500 = 0 THEN 'Running' ELSE 'Succeeded' END, 0, ''
         FROM generate_series(1, 5000) AS i`,
    );
    await dataSource.query(
      `INSERT INTO deployment_stages (id, deployment_id, position, name, kind, environment, status, phase)
       SELECT gen_random_uuid(), id, 0, 'Deploy to Development', 'environment', 'Development', 'Running', 'deploy'
         FROM deployments`,
    );
    await dataSource.query('ANALYZE deployments');
    await dataSource.query('ANALYZE deployment_stages');
  });

  afterAll(async () => {
    await db?.dataSource.destroy();
    await database?.drop();
  });

  it("counts an environment's slots and finds active deployments through the unfinished index, even with a generic plan", async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    await db.transaction(async () => {
      // What PostgreSQL may settle on for a statement prepared and run many times.
      await db.query("SET LOCAL plan_cache_mode = 'force_generic_plan'");
      // Sequential scans of the table so far (the session's earlier, unflushed ones included).
      const seqScans = async () =>
        Number(
          (
            await db.query<{ seq_scan: string }>(
              "SELECT seq_scan::text FROM pg_stat_xact_user_tables WHERE relname = 'deployments'",
            )
          )[0]?.seq_scan ?? 0,
        );
      const before = await seqScans();
      expect(await repository.runningIn('Development', ['Running'])).toBe(10);
      expect(await repository.activeFor('module-0', ['Development'], ['Queued', 'Running'])).toHaveLength(10);
      expect(await seqScans()).toBe(before);
    });
  });

  it('refuses a status it does not know instead of writing it into the statement', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    await expect(repository.runningIn('Development', ["Running') OR ('1' = '1"])).rejects.toThrow(
      'not a deployment status',
    );
  });
});
