import { Clock } from '@hotswap/contracts';
import { createDataSource, Database } from '@hotswap/database';
import { createTestDatabase, postgresServer, type TestDatabase } from '@hotswap/testing';
import { SCHEMA } from '../../../../apps/api/src/schema';
import { BATCHED_SHARE, BatchedCounter } from './batched-counter';
import { RateLimitRepository } from './rate-limit.repository';

class TestClock extends Clock {
  at = Date.UTC(2026, 11, 2, 12, 0, 0);
  now(): Date {
    return new Date(this.at);
  }
}

const WINDOW_MS = 60_000;

describe('BatchedCounter: per-replica pre-aggregation of the shared rate-limit counters (PostgreSQL)', () => {
  const server = postgresServer();
  let database: TestDatabase | undefined;
  let db: Database;
  let repository: RateLimitRepository;
  let clock: TestClock;
  /** Statements the replicas sent, counted through the repository. */
  let statements: number;

  beforeAll(async () => {
    if (!server.available) return;
    database = await createTestDatabase(SCHEMA);
    const dataSource = createDataSource({ url: database.url, poolSize: 4, schema: SCHEMA });
    await dataSource.initialize();
    db = new Database(dataSource);
  });

  afterAll(async () => {
    await db?.dataSource.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    if (!server.available) return;
    await db.dataSource.query('DELETE FROM rate_limit_counters');
    clock = new TestClock();
    statements = 0;
    repository = new RateLimitRepository(db);
    const hitMany = repository.hitMany.bind(repository);
    repository.hitMany = (rows, now) => {
      statements += 1;
      return hitMany(rows, now);
    };
  });

  const skip = (): boolean => !server.available;
  /** A replica: its own counter (long flush interval: the tests flush when they mean to). */
  const replica = (): BatchedCounter => new BatchedCounter(repository, clock, { flushIntervalMs: 60_000 });
  const stored = async (key: string): Promise<number | undefined> => {
    const rows = await db.dataSource.query<{ hits: number }[]>(
      'SELECT hits FROM rate_limit_counters WHERE key = $1',
      [key],
    );
    return rows[0]?.hits;
  };

  it('counts far from the limit without a round trip per hit, and writes the hits in one batch', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const counter = replica();
    const hits = [];
    for (let i = 0; i < 20; i++) hits.push((await counter.hit('reads:user:a', WINDOW_MS, 1_000)).hits);
    expect(hits).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The first hit of the window was counted in PostgreSQL, the 19 others here.
    expect(statements).toBe(1);
    expect(await stored('reads:user:a')).toBe(1);
    await counter.flush();
    expect(statements).toBe(2);
    expect(await stored('reads:user:a')).toBe(20);
  });

  it("shares the budget across replicas: a replica's batch brings back the others' hits", async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const a = replica();
    const b = replica();
    for (let i = 0; i < 10; i++) await a.hit('reads:user:shared', WINDOW_MS, 1_000);
    await a.flush();
    // B's first hit of the window reads what A wrote.
    expect((await b.hit('reads:user:shared', WINDOW_MS, 1_000)).hits).toBe(11);
    for (let i = 0; i < 4; i++) await b.hit('reads:user:shared', WINDOW_MS, 1_000);
    for (let i = 0; i < 5; i++) await a.hit('reads:user:shared', WINDOW_MS, 1_000);
    await b.flush();
    await a.flush();
    // Every hit of both replicas is in the shared row, and A's last batch told it so.
    expect(await stored('reads:user:shared')).toBe(20);
    expect((await a.hit('reads:user:shared', WINDOW_MS, 1_000)).hits).toBe(21);
  });

  it('counts every hit in PostgreSQL from half the limit on: two replicas together never exceed it', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const limit = 40;
    const a = replica();
    const b = replica();
    let allowed = 0;
    // Alternating replicas, no flush in between: the batched hits of each are carried into its first
    // hit at half the limit, and from there on each replica sees the other's hits at once.
    for (let i = 0; i < 60; i++) {
      const count = await (i % 2 === 0 ? a : b).hit('mutating:user:busy', WINDOW_MS, limit);
      if (count.hits <= limit) allowed += 1;
    }
    expect(allowed).toBe(limit);
    expect(await stored('mutating:user:busy')).toBe(60);
    // Below half the limit (as each replica saw it) hits were batched; from it on, one statement per hit.
    expect(statements).toBeGreaterThanOrEqual(60 - 2 * limit * BATCHED_SHARE);
    expect(statements).toBeLessThan(60);
  });

  it('starts a new window after the old one ends, and forgets the old window hits not written', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const counter = replica();
    for (let i = 0; i < 5; i++) await counter.hit('reads:user:window', WINDOW_MS, 1_000);
    clock.at += WINDOW_MS;
    const first = await counter.hit('reads:user:window', WINDOW_MS, 1_000);
    expect(first.hits).toBe(1);
    expect(first.expiresAt.getTime()).toBe(clock.at + WINDOW_MS);
    await counter.flush();
    expect(await stored('reads:user:window')).toBe(1);
  });

  it('keeps the hits of a batch that could not be written and writes them with the next one', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const errors: unknown[] = [];
    const counter = new BatchedCounter(repository, clock, {
      flushIntervalMs: 60_000,
      onFlushError: (error) => errors.push(error),
    });
    for (let i = 0; i < 6; i++) await counter.hit('reads:user:retry', WINDOW_MS, 1_000);
    const hitMany = repository.hitMany;
    repository.hitMany = () => Promise.reject(new Error('connection lost'));
    await counter.flush();
    expect(errors).toHaveLength(1);
    repository.hitMany = hitMany;
    await counter.hit('reads:user:retry', WINDOW_MS, 1_000);
    await counter.close();
    expect(await stored('reads:user:retry')).toBe(7);
  });
});
