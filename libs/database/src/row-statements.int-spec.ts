import { createTestDatabase, postgresServer, type TestDatabase } from '@hotswap/testing';
import { Column, CreateDateColumn, Entity, PrimaryColumn, QueryFailedError, UpdateDateColumn } from 'typeorm';
import { SCHEMA } from '../../../apps/api/src/schema';
import { createDataSource } from './data-source';
import { Database } from './database';

@Entity({ name: 'row_statement_samples' })
class SampleEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'varchar', length: 32 })
  name: string;

  @Column({ type: 'jsonb', default: [] })
  tags: string[];

  @Column({ type: 'jsonb', nullable: true })
  extra: Record<string, unknown> | null;

  @Column({ type: 'integer', default: 7 })
  count: number;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}

@Entity({ name: 'row_statement_odd' })
class OddEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'double precision' })
  ratio: number;
}

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

describe('Database.insertRows / updateRow on the PostgreSQL server', () => {
  const server = postgresServer();
  let database: TestDatabase | undefined;
  let db: Database;

  beforeAll(async () => {
    if (!server.available) return;
    database = await createTestDatabase(SCHEMA);
    const dataSource = createDataSource({
      url: database.url,
      poolSize: 2,
      schema: { ...SCHEMA, entities: [...SCHEMA.entities, SampleEntity, OddEntity] },
    });
    await dataSource.initialize();
    await dataSource.query(
      `CREATE TABLE row_statement_samples (id uuid PRIMARY KEY, name varchar(32) NOT NULL,
         tags jsonb NOT NULL DEFAULT '[]', extra jsonb, count integer NOT NULL DEFAULT 7,
         created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`,
    );
    db = new Database(dataSource);
  });

  afterAll(async () => {
    await db?.dataSource.destroy();
    await database?.drop();
  });

  const skip = (): boolean => !server.available;

  it('inserts several rows in one statement: defaults for omitted columns, jsonb arrays as JSON, generated columns returned', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const returned = await db.insertRows(
      SampleEntity,
      [
        { id: A, name: 'first', tags: ['x', 'y'], extra: null },
        { id: B, name: 'second', tags: [], extra: { nested: [1, 2] } },
      ],
      ['id', 'createdAt', 'count'],
    );
    expect(returned).toEqual([
      { id: A, createdAt: expect.any(Date), count: 7 },
      { id: B, createdAt: expect.any(Date), count: 7 },
    ]);
    const rows = await db.dataSource.query<
      { id: string; tags_type: string; tags: unknown; extra: unknown }[]
    >('SELECT id, jsonb_typeof(tags) AS tags_type, tags, extra FROM row_statement_samples ORDER BY id');
    expect(rows).toEqual([
      { id: A, tags_type: 'array', tags: ['x', 'y'], extra: null },
      { id: B, tags_type: 'array', tags: [], extra: { nested: [1, 2] } },
    ]);
  });

  it('updates by primary key, touching the update-date column, and joins the caller transaction', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    await db.dataSource.query(
      "UPDATE row_statement_samples SET updated_at = now() - interval '1 hour' WHERE id = $1",
      [A],
    );
    await db.updateRow(SampleEntity, A, { name: 'renamed', tags: ['z'] });
    const [row] = await db.dataSource.query<{ name: string; tags: string[]; fresh: boolean }[]>(
      "SELECT name, tags, updated_at > now() - interval '1 minute' AS fresh FROM row_statement_samples WHERE id = $1",
      [A],
    );
    expect(row).toEqual({ name: 'renamed', tags: ['z'], fresh: true });

    await expect(
      db.transaction(async () => {
        await db.updateRow(SampleEntity, B, { count: 99 });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const [other] = await db.dataSource.query<{ count: number }[]>(
      'SELECT count FROM row_statement_samples WHERE id = $1',
      [B],
    );
    expect(other?.count).toBe(7);
  });

  it('selects rows with property names, jsonb parsed and timestamps as dates, with a suffix', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const rows = await db.selectRows(SampleEntity, 'id = ANY($1::uuid[])', [[A, B]], 'ORDER BY id DESC');
    expect(rows.map((r) => r.id)).toEqual([B, A]);
    expect(rows[0]).toEqual({
      id: B,
      name: 'second',
      tags: [],
      extra: { nested: [1, 2] },
      count: 7,
      createdAt: expect.any(Date),
      updatedAt: expect.any(Date),
    });
    expect(await db.selectRows(SampleEntity, 'name = $1', ['nobody'])).toEqual([]);
    const [withExtra] = await db.selectRows<SampleEntity & { tagCount: number }>(
      SampleEntity,
      'id = $1',
      [A],
      '',
      'jsonb_array_length(tags) AS "tagCount"',
    );
    expect(withExtra).toMatchObject({ id: A, tagCount: 1 });
  });

  it('updates several rows with different changes in one statement, keeping what a row does not change', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    await db.dataSource.query("UPDATE row_statement_samples SET updated_at = now() - interval '1 hour'");
    await db.updateRows(
      SampleEntity,
      new Map<string, Partial<SampleEntity>>([
        [A, { name: 'patched-a', extra: null, tags: ['q'] }],
        [B, { count: 3, extra: { deep: { list: [true] } } }],
      ]),
    );
    const rows = await db.dataSource.query<
      { id: string; name: string; tags: unknown; extra: unknown; count: number; fresh: boolean }[]
    >(
      "SELECT id, name, tags, extra, count, updated_at > now() - interval '1 minute' AS fresh FROM row_statement_samples ORDER BY id",
    );
    expect(rows).toEqual([
      { id: A, name: 'patched-a', tags: ['q'], extra: null, count: 7, fresh: true },
      { id: B, name: 'second', tags: [], extra: { deep: { list: [true] } }, count: 3, fresh: true },
    ]);
  });

  it('finds the rows of a several-row update through the primary key index, not by reading the whole table', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    // A table large enough that reading it whole is the plan a misjudged join would choose.
    await db.dataSource.query(
      `INSERT INTO row_statement_samples (id, name)
         SELECT gen_random_uuid(), 'filler' FROM generate_series(1, 20000)`,
    );
    await db.dataSource.query('ANALYZE row_statement_samples');
    try {
      // Rows read by sequential scans and fetched through indexes, as this session counts them (its
      // counts not yet reported, which can include its previous transactions': hence the difference).
      const counters = async (): Promise<{ seq: number; idx: number }> => {
        const [row] = await db.manager().query<{ seq: number; idx: number }[]>(
          `SELECT seq_tup_read::int AS seq, coalesce(idx_tup_fetch, 0)::int AS idx
               FROM pg_stat_xact_user_tables WHERE relname = 'row_statement_samples'`,
        );
        return row ?? { seq: 0, idx: 0 };
      };
      const read = await db.transaction(async () => {
        const before = await counters();
        await db.updateRows(
          SampleEntity,
          new Map<string, Partial<SampleEntity>>([
            [A, { count: 11 }],
            [B, { count: 12 }],
          ]),
        );
        const after = await counters();
        return { seq: after.seq - before.seq, idx: after.idx - before.idx };
      });
      expect(read).toEqual({ seq: 0, idx: 2 });
      const counts = await db.dataSource.query<{ count: number }[]>(
        'SELECT count FROM row_statement_samples WHERE id = ANY($1) ORDER BY id',
        [[A, B]],
      );
      expect(counts).toEqual([{ count: 11 }, { count: 12 }]);
    } finally {
      await db.dataSource.query("DELETE FROM row_statement_samples WHERE name = 'filler'");
    }
  });

  it('inserts batches of different sizes with the same columns (one compiled statement, placeholders per call)', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    const ids = Array.from({ length: 4 }, (_, i) => `00000000-0000-4000-8000-00000000010${i}`);
    const one = await db.insertRows(SampleEntity, [{ id: ids[0], name: 'batch-1' }], ['id']);
    const three = await db.insertRows(
      SampleEntity,
      ids.slice(1).map((id, i) => ({ id, name: `batch-${i + 2}` })),
      ['id'],
    );
    expect([...one, ...three].map((r) => r.id)).toEqual(ids);
    const names = await db.dataSource.query<{ name: string }[]>(
      "SELECT name FROM row_statement_samples WHERE name LIKE 'batch-%' ORDER BY name",
    );
    expect(names.map((r) => r.name)).toEqual(['batch-1', 'batch-2', 'batch-3', 'batch-4']);
  });

  it('refuses properties that are not columns and column types it does not handle', async () => {
    if (skip()) return console.warn(`skipped: ${server.reason}`);
    await expect(
      db.updateRow(SampleEntity, A, { nope: 1 } as unknown as Partial<SampleEntity>),
    ).rejects.toThrow('SampleEntity has no column for nope');
    await expect(db.insertRows(OddEntity, [{ id: A, ratio: 0.5 }])).rejects.toThrow(
      'column type double precision is not supported',
    );
  });
  describe('together: concurrent writes as one statement', () => {
    const id = (n: number): string => `00000000-0000-4000-8000-0000000002${String(n).padStart(2, '0')}`;
    const read = (ids: readonly string[]) =>
      db.dataSource.query<{ id: string; name: string; count: number }[]>(
        'SELECT id, name, count FROM row_statement_samples WHERE id = ANY($1::uuid[]) ORDER BY id',
        [ids],
      );

    /** Runs `work` in a transaction, counting the statements it sends on the transaction's connection. */
    async function counted<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
      return db.transaction(async () => {
        const spy = jest.spyOn(db.manager(), 'query');
        try {
          const result = await work();
          return { result, statements: spy.mock.calls.length };
        } finally {
          spy.mockRestore();
        }
      });
    }

    it('sends writes started together as one statement, answering the RETURNING write with its rows', async () => {
      if (skip()) return console.warn(`skipped: ${server.reason}`);
      await db.insertRows(SampleEntity, [{ id: id(1), name: 'together-old' }]);
      const { result, statements } = await counted(() =>
        db.together(() =>
          Promise.all([
            db.insertRows(SampleEntity, [{ id: id(2), name: 'together-a', tags: ['t'] }]),
            db.updateRow(SampleEntity, id(1), { name: 'together-renamed', count: 3 }),
            db.insertRows(
              SampleEntity,
              [{ id: id(3), name: 'together-b', count: 9 }],
              ['id', 'createdAt', 'count'],
            ),
            db.updateRows(SampleEntity, new Map()),
          ]),
        ),
      );
      expect(statements).toBe(1);
      expect(result[2]).toEqual([{ id: id(3), createdAt: expect.any(Date), count: 9 }]);
      expect(result[0]).toEqual([]);
      expect(await read([id(1), id(2), id(3)])).toEqual([
        { id: id(1), name: 'together-renamed', count: 3 },
        { id: id(2), name: 'together-a', count: 7 },
        { id: id(3), name: 'together-b', count: 9 },
      ]);
    });

    it('keeps a write that waits for the one before it a statement of its own (it sees the earlier row)', async () => {
      if (skip()) return console.warn(`skipped: ${server.reason}`);
      const { statements } = await counted(() =>
        db.together(async () => {
          await db.insertRows(SampleEntity, [{ id: id(4), name: 'together-seq' }]);
          await db.updateRow(SampleEntity, id(4), { count: 40 });
        }),
      );
      expect(statements).toBe(2);
      expect(await read([id(4)])).toEqual([{ id: id(4), name: 'together-seq', count: 40 }]);
    });

    it('gives each of two RETURNING writes its own statement and its own rows', async () => {
      if (skip()) return console.warn(`skipped: ${server.reason}`);
      const { result, statements } = await counted(() =>
        db.together(() =>
          Promise.all([
            db.insertRows(SampleEntity, [{ id: id(5), name: 'together-r1' }], ['id']),
            db.insertRows(SampleEntity, [{ id: id(6), name: 'together-r2', count: 2 }], ['id', 'count']),
          ]),
        ),
      );
      expect(statements).toBe(2);
      expect(result).toEqual([[{ id: id(5) }], [{ id: id(6), count: 2 }]]);
    });

    it('fails every write of a failed statement, and the transaction leaves none of them', async () => {
      if (skip()) return console.warn(`skipped: ${server.reason}`);
      const outcome = db.transaction(() =>
        db.together(() =>
          Promise.all([
            db.insertRows(SampleEntity, [{ id: id(7), name: 'together-lost' }]),
            // Too long for varchar(32): the combined statement fails as a whole.
            db.updateRow(SampleEntity, id(1), { name: 'x'.repeat(40) }),
          ]),
        ),
      );
      await expect(outcome).rejects.toThrow(/too long/);
      expect(await read([id(7)])).toEqual([]);
      expect((await read([id(1)]))[0]?.name).toBe('together-renamed');
    });
  });
  describe('prepared statements', () => {
    let prepared: Database;

    beforeAll(() => {
      if (skip()) return;
      prepared = new Database(db.dataSource, { preparedStatements: true });
    });

    /** The statements the transaction's session has prepared. */
    const preparedHere = (on: Database) =>
      on.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements');

    it('prepares a row statement once per connection, by name, and runs it bound afterwards', async () => {
      if (skip()) return console.warn(`skipped: ${server.reason}`);
      const id = '00000000-0000-4000-8000-000000000301';
      await prepared.transaction(async () => {
        await prepared.insertRows(SampleEntity, [{ id, name: 'prepared' }]);
        const first = await prepared.selectRows(SampleEntity, 'id = $1', [id]);
        const again = await prepared.selectRows(SampleEntity, 'id = $1', [id]);
        expect(first.map((r) => r.name)).toEqual(['prepared']);
        expect(again).toEqual(first);
        const statements = await preparedHere(prepared);
        const selects = statements.filter((s) =>
          s.statement.includes('FROM "row_statement_samples" WHERE id = $1'),
        );
        expect(selects).toHaveLength(1);
        expect(selects[0]?.name).toMatch(/^hs_[0-9a-f]{24}$/);
      });
    });

    it('prepares a query only when asked, answers UPDATE with its rows, and keeps TypeORM errors', async () => {
      if (skip()) return console.warn(`skipped: ${server.reason}`);
      await prepared.transaction(async () => {
        const updated = await prepared.query(
          'UPDATE row_statement_samples SET count = count + 1 WHERE name = $1 RETURNING count',
          ['prepared'],
          { prepare: true },
        );
        expect(updated).toEqual([{ count: 8 }]);
        await prepared.query('SELECT $1::int AS unprepared', [1]);
        const statements = (await preparedHere(prepared)).map((s) => s.statement);
        expect(statements.some((s) => s.includes('count = count + 1'))).toBe(true);
        expect(statements.some((s) => s.includes('unprepared'))).toBe(false);
      });
      const duplicate = prepared.query(
        'INSERT INTO row_statement_samples (id, name) VALUES ($1, $2)',
        ['00000000-0000-4000-8000-000000000301', 'again'],
        { prepare: true },
      );
      await expect(duplicate).rejects.toBeInstanceOf(QueryFailedError);
      await expect(duplicate).rejects.toMatchObject({ code: '23505' });
    });

    it("sends a transaction's concurrently started statements one after another, in the order started", async () => {
      if (skip()) return console.warn(`skipped: ${server.reason}`);
      // What node-postgres deprecates (and pg 9 refuses): a query handed to a client that is still
      // executing another. Its private fields are read here only to observe that.
      interface Observed {
        activeQuery?: unknown;
        _queryQueue?: unknown[];
        query: (...args: unknown[]) => unknown;
      }
      let overlapping = 0;
      let sent = 0;
      const order: string[] = [];
      await prepared.transaction(async () => {
        await prepared.insertRows(SampleEntity, [
          { id: '00000000-0000-4000-8000-000000000302', name: 'queued' },
        ]);
        const runner = prepared.manager().queryRunner;
        const client = (await runner?.connect()) as Observed;
        const query = client.query;
        client.query = function (this: Observed, ...args: unknown[]) {
          sent++;
          if (this.activeQuery != null || (this._queryQueue?.length ?? 0) > 0) overlapping++;
          return query.apply(this, args);
        };
        try {
          const tagged = (tag: string) => (rows: unknown) => {
            order.push(tag);
            return rows;
          };
          const [typeorm, named, rows, plain] = await Promise.all([
            prepared.manager().query('SELECT pg_sleep(0.02), 1 AS n').then(tagged('typeorm')),
            prepared.query<{ n: number }>('SELECT 2 AS n', [], { prepare: true }).then(tagged('named')),
            prepared.selectRows(SampleEntity, 'name = $1', ['queued']).then(tagged('rows')),
            prepared.query<{ n: number }>('SELECT 4 AS n').then(tagged('plain')),
          ]);
          expect((typeorm as { n: number }[])[0]?.n).toBe(1);
          expect(named).toEqual([{ n: 2 }]);
          expect((rows as SampleEntity[]).map((r) => r.name)).toEqual(['queued']);
          expect(plain).toEqual([{ n: 4 }]);
        } finally {
          client.query = query;
        }
      });
      expect(sent).toBeGreaterThanOrEqual(4);
      expect(overlapping).toBe(0);
      expect(order).toEqual(['typeorm', 'named', 'rows', 'plain']);
    });

    it('prepares nothing when prepared statements are off (the embedded database)', async () => {
      if (skip()) return console.warn(`skipped: ${server.reason}`);
      await db.transaction(async () => {
        await db.selectRows(SampleEntity, 'name = $1', ['prepared'], 'LIMIT 7');
        await db.query('SELECT 1 AS asked_while_off', [], { prepare: true });
        // The pool's connections may hold what the other Database prepared; none of these.
        const statements = (await preparedHere(db)).map((s) => s.statement);
        expect(statements.filter((s) => s.includes('LIMIT 7') || s.includes('asked_while_off'))).toEqual([]);
      });
    });
  });
});
