import { Logger } from '@nestjs/common';
import { createDataSource, Database, EmbeddedPostgres } from '@hotswap/database';
import { createTestDatabase, postgresServer, type TestDatabase, waitFor } from '@hotswap/testing';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { SCHEMA } from '../../../apps/api/src/schema';
import { CoordinationMetrics } from './coordination.metrics';
import { DistributedLock, LockTimeoutError } from './distributed-lock';
import { LeaderElection } from './leader-election';
import { LeaderLeaseRepository } from './leader-lease.repository';
import { LeaderScheduler } from './leader-scheduler';
import { InvalidResourceNameError } from './lock-key';

beforeAll(() => {
  Logger.overrideLogger(['error']);
});

const server = postgresServer();

/** Locks within one process behave the same on the server and on embedded PostgreSQL (one session). */
describe.each([
  ['embedded PostgreSQL', true],
  ['the PostgreSQL server', false],
])('DistributedLock in one process on %s', (_where, embedded) => {
  let database: TestDatabase | undefined;
  let embeddedServer: EmbeddedPostgres | undefined;
  let locks: DistributedLock;
  let app: Database;
  const skip = (): boolean => !embedded && !server.available;

  beforeAll(async () => {
    let url: string;
    if (embedded) {
      embeddedServer = await EmbeddedPostgres.start({ dataDir: undefined, maxConnections: 12 });
      url = embeddedServer.url;
    } else {
      if (!server.available) return;
      database = await createTestDatabase(SCHEMA);
      url = database.url;
    }
    const dataSource = createDataSource({ url, poolSize: 3, schema: SCHEMA });
    await dataSource.initialize();
    await dataSource.runMigrations();
    app = new Database(dataSource);
    locks = new DistributedLock(
      new Pool({ connectionString: url, max: 3 }),
      app,
      CoordinationMetrics.standalone(new Registry()),
    );
  });

  afterAll(async () => {
    await locks?.close();
    await app?.dataSource.destroy();
    await database?.drop();
    await embeddedServer?.stop();
  });

  it('excludes a second holder, times out with null, and hands over on release', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const first = await locks.acquire('int:lock:a');
    expect(first?.held).toBe(true);
    expect(await locks.acquire('int:lock:a')).toBeNull();
    const started = Date.now();
    expect(await locks.acquire('int:lock:a', { timeoutMs: 300 })).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    const waiting = locks.acquire('int:lock:a', { timeoutMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first?.release();
    await first?.release(); // idempotent
    const second = await waiting;
    expect(second?.held).toBe(true);
    // Other resources are independent.
    const other = await locks.acquire('int:lock:b');
    expect(other).not.toBeNull();
    await Promise.all([second?.release(), other?.release()]);
    const third = await locks.acquire('int:lock:a');
    expect(third).not.toBeNull();
    await third?.release();
  });

  it('refuses empty resource names', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    await expect(locks.acquire('')).rejects.toBeInstanceOf(InvalidResourceNameError);
    await expect(locks.withTransactionLock(' ', () => Promise.resolve())).rejects.toBeInstanceOf(
      InvalidResourceNameError,
    );
  });

  it('serializes transactions on a transaction-level lock', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const events: string[] = [];
    const section = (name: string) =>
      locks.withTransactionLock('int:xact', async () => {
        events.push(`${name}:in`);
        await new Promise((resolve) => setTimeout(resolve, 150));
        events.push(`${name}:out`);
      });
    await Promise.all([section('a'), section('b')]);
    expect(
      [events.slice(0, 2), events.slice(2)].every(
        (pair) => pair[0]?.split(':')[0] === pair[1]?.split(':')[0],
      ),
    ).toBe(true);
  });
});

describe('PostgreSQL server only', () => {
  let database: TestDatabase | undefined;
  let app: Database;

  beforeAll(async () => {
    if (!server.available) return;
    database = await createTestDatabase(SCHEMA);
    const dataSource = createDataSource({ url: database.url, poolSize: 4, schema: SCHEMA });
    await dataSource.initialize();
    app = new Database(dataSource);
    await app.dataSource.query('CREATE TABLE fenced (epoch bigint NOT NULL)');
  });

  afterAll(async () => {
    await app?.dataSource.destroy();
    await database?.drop();
  });

  it('keeps lock connections between holds, and replaces one the server dropped while it was kept', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    const pool = new Pool({ connectionString: database?.url, max: 1, application_name: 'int-lock-reuse' });
    const locks = new DistributedLock(pool, app);
    const holderPid = async (): Promise<number | undefined> => {
      const rows = await app.dataSource.query<{ pid: number }[]>(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE application_name = 'int-lock-reuse')",
      );
      return rows[0]?.pid;
    };
    try {
      const first = await locks.acquire('int:reuse:a');
      const firstPid = await holderPid();
      await first?.release();
      const second = await locks.acquire('int:reuse:b');
      // The same session: no new connection and no pool round trip for the second acquire.
      expect(await holderPid()).toBe(firstPid);
      await second?.release();
      await app.dataSource.query('SELECT pg_terminate_backend($1)', [firstPid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const third = await locks.acquire('int:reuse:c', { timeoutMs: 2_000 });
      expect(third?.held).toBe(true);
      const thirdPid = await holderPid();
      expect(thirdPid).toBeDefined();
      expect(thirdPid).not.toBe(firstPid);
      await third?.release();
    } finally {
      await locks.close();
    }
  });

  it('holds concurrent locks on one session, sharing round trips, and loses them all when it dies', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    const pool = new Pool({ connectionString: database?.url, max: 4, application_name: 'int-lock-shared' });
    const locks = new DistributedLock(pool, app);
    const holders = async (): Promise<{ pid: number; locks: number }[]> =>
      app.dataSource.query(
        "SELECT pid, count(*)::int AS locks FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid IN (SELECT pid FROM pg_stat_activity WHERE application_name = 'int-lock-shared') GROUP BY pid",
      );
    try {
      const handles = await Promise.all(
        Array.from({ length: 20 }, (_, i) => locks.acquire(`int:shared:${i}`)),
      );
      expect(handles.every((h) => h?.held === true)).toBe(true);
      const sessions = await holders();
      expect(sessions).toHaveLength(1);
      expect(sessions[0]?.locks).toBe(20);
      // Half released together: the others stay held on the same session.
      await Promise.all(handles.slice(0, 10).map(async (h) => h?.release()));
      expect(await holders()).toEqual([{ pid: sessions[0]?.pid, locks: 10 }]);
      // The server ends the session: every lock it held is gone, and every holder knows.
      await app.dataSource.query('SELECT pg_terminate_backend($1)', [sessions[0]?.pid]);
      await waitFor(() => handles.slice(10).every((h) => h?.held === false));
      await Promise.all(handles.map(async (h) => h?.release()));
      expect(await holders()).toEqual([]);
      const again = await locks.acquire('int:shared:10', { timeoutMs: 2_000 });
      expect(again?.held).toBe(true);
      await again?.release();
    } finally {
      await locks.close();
    }
  });

  it.each([
    ['a pool of one connection (the wait shares the session)', 1],
    ['a larger pool (the wait has a session of its own)', 3],
  ])('waits for a lock held elsewhere with %s', async (_how, max) => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    const elsewhere = new DistributedLock(new Pool({ connectionString: database?.url, max: 2 }), app);
    const locks = new DistributedLock(new Pool({ connectionString: database?.url, max }), app);
    try {
      const held = await elsewhere.acquire('int:wait:a');
      expect(held?.held).toBe(true);
      expect(await locks.acquire('int:wait:a')).toBeNull();
      const started = Date.now();
      const waiting = locks.acquire('int:wait:a', { timeoutMs: 5_000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (max > 1) {
        // Try-once acquires are not stuck behind the wait.
        const other = await locks.acquire('int:wait:b');
        expect(other?.held).toBe(true);
        expect(Date.now() - started).toBeLessThan(1_000);
        await other?.release();
      }
      await held?.release();
      const granted = await waiting;
      expect(granted?.held).toBe(true);
      expect(await elsewhere.acquire('int:wait:a', { timeoutMs: 100 })).toBeNull();
      await granted?.release();
      const back = await elsewhere.acquire('int:wait:a', { timeoutMs: 1_000 });
      expect(back?.held).toBe(true);
      await back?.release();
    } finally {
      await Promise.all([locks.close(), elsewhere.close()]);
    }
  });

  it('times out a transaction-level lock held by another transaction, rolling back', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    const locks = new DistributedLock(new Pool({ connectionString: database?.url, max: 2 }), app);
    let release: () => void = () => undefined;
    const holding = locks.withTransactionLock(
      'int:xact:timeout',
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(
      locks.withTransactionLock('int:xact:timeout', () => Promise.resolve(), { timeoutMs: 200 }),
    ).rejects.toBeInstanceOf(LockTimeoutError);
    release();
    await holding;
    await expect(
      locks.withTransactionLock('int:xact:timeout', () => Promise.resolve('ok'), { timeoutMs: 200 }),
    ).resolves.toBe('ok');
    await locks.close();
  });

  it('elects one of two candidates, hands over when the leader stops, fences the old term, and runs leader tasks on the leader only', async () => {
    if (!server.available) return console.warn(`skipped: ${server.reason}`);
    const leases = new LeaderLeaseRepository(app);
    const make = (holderId: string) =>
      new LeaderElection(leases, { name: 'int-election', renewIntervalMs: 200, leaseTtlMs: 1_000, holderId });
    const a = make('a');
    const b = make('b');
    const ran: string[] = [];
    const schedulers = [a, b].map((election) => {
      const scheduler = new LeaderScheduler(election);
      scheduler.every('int-task', 50, async ({ fence }) => {
        ran.push(`${election.holderId}:${fence.epoch}`);
        await Promise.resolve();
      });
      scheduler.start();
      return scheduler;
    });
    a.start();
    await new Promise((resolve) => setTimeout(resolve, 300));
    b.start();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(a.isLeader).toBe(true);
    expect(b.isLeader).toBe(false);
    const oldFence = a.fence();
    expect(
      await a.fencedWrite(oldFence, 'INSERT INTO fenced (epoch) SELECT $1 WHERE $fence', [oldFence.epoch]),
    ).toBe(1);
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.every((r) => r.startsWith('a:'))).toBe(true);

    await a.stop(); // resigns: b need not wait for the lease to expire
    const deadline = Date.now() + 2_000;
    while (!b.isLeader && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(b.isLeader).toBe(true);
    expect(b.fence().epoch).toBeGreaterThan(oldFence.epoch);
    expect(
      await b.fencedWrite(oldFence, 'INSERT INTO fenced (epoch) SELECT $1 WHERE $fence', [oldFence.epoch]),
    ).toBe(0);
    const current = b.fence();
    expect(
      await b.fencedWrite(current, 'INSERT INTO fenced (epoch) SELECT $1 WHERE $fence', [current.epoch]),
    ).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(ran.some((r) => r.startsWith('b:'))).toBe(true);
    await Promise.all(schedulers.map((s) => s.stop()));
    await b.stop();
  });
});
