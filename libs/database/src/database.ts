import { AsyncLocalStorage } from 'node:async_hooks';
import {
  QueryFailedError,
  type DataSource,
  type EntityManager,
  type EntityTarget,
  type ObjectLiteral,
  type QueryRunner,
  type Repository,
} from 'typeorm';
import { combineWrites, RowStatements, type PreparedStatement } from './row-statements';
import { StatementNames } from './statement-names';

export interface DatabaseOptions {
  /**
   * Prepare statements sent through {@link Database.query} once per connection (named by their
   * text). Needs a session per connection: off for the embedded database (its connections share one
   * session) and for poolers that do not support protocol-level prepared statements.
   */
  readonly preparedStatements?: boolean;
}

/** The part of a pg client {@link Database.query} uses. */
interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * The application's handle on PostgreSQL. Services declare transactions with {@link transaction};
 * repositories call {@link manager} / {@link repository}, which join the caller's transaction when
 * there is one. So a use case that spans several repositories commits or rolls back as a whole
 * without any of them knowing.
 */
export class Database {
  private readonly current = new AsyncLocalStorage<EntityManager>();
  private readonly batches = new AsyncLocalStorage<WriteBatch>();
  private readonly rows = new RowStatements((entity) => this.dataSource.getMetadata(entity));
  /** Statement names by text, for {@link query}. */
  private readonly names = new StatementNames();
  private readonly prepared: boolean;
  /** The statement queue of each open transaction's query runner (see {@link serialize}). */
  private readonly queues = new WeakMap<QueryRunner, StatementQueue>();

  constructor(
    readonly dataSource: DataSource,
    options: DatabaseOptions = {},
  ) {
    this.prepared = options.preparedStatements ?? false;
  }

  /**
   * Runs one statement in the caller's transaction (or on a pooled connection) and answers its rows —
   * for UPDATE and DELETE too (TypeORM's `manager.query` answers those with `[rows, count]`). Errors
   * are TypeORM's `QueryFailedError`, as from `manager.query`.
   * `prepare`: for a statement whose text is fixed (values only in parameters, never in the text) and
   * run often: with prepared statements on, it is parsed and planned once per connection and then
   * only bound and executed — PostgreSQL spends most of a short statement's time parsing and planning
   * it. (The row statements of {@link insertRows}, {@link updateRow}, {@link updateRows},
   * {@link selectRows} and {@link together} are prepared that way.)
   */
  query<T>(
    sql: string,
    parameters: readonly unknown[] = [],
    options: { prepare?: boolean } = {},
  ): Promise<T[]> {
    return this.run(this.manager(), sql, parameters, options.prepare ?? false) as Promise<T[]>;
  }

  private async run(
    manager: EntityManager,
    sql: string,
    parameters: readonly unknown[],
    prepare = true,
  ): Promise<unknown[]> {
    const name = prepare ? this.nameOf(sql, parameters.length) : undefined;
    if (name === undefined) return rowsOf(await manager.query(sql, [...parameters]));
    const runner = manager.queryRunner;
    if (runner !== undefined && !runner.isReleased) return this.runNamed(runner, name, sql, parameters);
    const own = this.dataSource.createQueryRunner();
    try {
      return await this.runNamed(own, name, sql, parameters);
    } finally {
      await own.release();
    }
  }

  private async runNamed(
    runner: QueryRunner,
    name: string,
    sql: string,
    parameters: readonly unknown[],
  ): Promise<unknown[]> {
    const send = async (): Promise<unknown[]> => {
      const client = (await runner.connect()) as PgClient;
      try {
        return (await client.query({ name, text: sql, values: [...parameters] })).rows;
      } catch (error) {
        throw error instanceof Error ? new QueryFailedError(sql, [...parameters], error) : error;
      }
    };
    const queue = this.queues.get(runner);
    return queue === undefined ? send() : queue.run(send);
  }

  private nameOf(sql: string, parameterCount: number): string | undefined {
    return this.prepared ? this.names.nameFor(sql, parameterCount) : undefined;
  }

  /**
   * Runs `work` in one transaction (or joins the one already open), committing if it resolves.
   * Statements that `work` starts concurrently (e.g. reads under `Promise.all`) go to the
   * transaction's one connection one after another, in the order they were started.
   */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore() !== undefined) return work();
    return this.dataSource.transaction((manager) => {
      if (manager.queryRunner !== undefined) this.serialize(manager.queryRunner);
      return this.current.run(manager, work);
    });
  }

  /**
   * Queues the statements of a transaction's query runner (TypeORM's and {@link runNamed}'s alike) so
   * that each is sent once the one before has answered: node-postgres queues concurrent queries on
   * one client itself, but deprecates it (an error from pg 9 on).
   */
  private serialize(runner: QueryRunner): void {
    const queue = new StatementQueue();
    this.queues.set(runner, queue);
    const query = runner.query.bind(runner) as (...args: unknown[]) => Promise<unknown>;
    runner.query = ((...args: unknown[]) => queue.run(() => query(...args))) as QueryRunner['query'];
  }

  /**
   * Runs `work` outside the caller's transaction, in a transaction of its own that commits on its own:
   * for a change that must persist even though the caller's request then fails (and rolls back).
   * Never lock rows in `work` that the caller's transaction holds, and never await it inside a
   * transaction on embedded PostgreSQL: that is one session, so the second transaction only starts
   * once the caller's has ended.
   */
  detached<T>(work: () => Promise<T>): Promise<T> {
    return this.current.exit(() => this.transaction(work));
  }

  /**
   * Runs `work`, sending the row writes it makes concurrently ({@link insertRows}, {@link updateRow},
   * {@link updateRows} started together, e.g. under `Promise.all`) as one statement instead of one
   * each: writes started before the next turn of the event loop go out together (see
   * {@link combineWrites}), at most one of them with a RETURNING answer. Each write still resolves
   * only once it was executed, so code that awaits one write before starting the next behaves as
   * without the scope (one statement each); only writes that do not depend on each other may be
   * started together. Joins the caller's transaction; a failed statement fails every write in it.
   */
  together<T>(work: () => Promise<T>): Promise<T> {
    return this.batches.run(
      new WriteBatch(this.manager(), (manager, sql, parameters) => this.run(manager, sql, parameters)),
      work,
    );
  }

  /** The transaction's entity manager inside {@link transaction}, the data source's outside it. */
  manager(): EntityManager {
    return this.current.getStore() ?? this.dataSource.manager;
  }

  repository<E extends ObjectLiteral>(entity: EntityTarget<E>): Repository<E> {
    return this.manager().getRepository(entity);
  }

  /**
   * Inserts rows of one entity in one plain statement (see {@link RowStatements}), joining the
   * caller's transaction; returns the `returning` properties of each row in order.
   */
  async insertRows<E extends ObjectLiteral, K extends keyof E & string>(
    entity: EntityTarget<E>,
    rows: readonly Partial<E>[],
    returning: readonly K[] = [],
  ): Promise<Pick<E, K>[]> {
    return this.write(this.rows.prepareInsert(entity, rows, returning)) as Promise<Pick<E, K>[]>;
  }

  /** Updates one row by its primary key in one plain statement (see {@link RowStatements}). */
  async updateRow<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    id: unknown,
    changes: Partial<E>,
  ): Promise<void> {
    await this.write(this.rows.prepareUpdate(entity, id, changes));
  }

  /** Several rows by primary key, each with its own changes, in one statement (see {@link RowStatements.prepareUpdateMany}). */
  async updateRows<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    changes: ReadonlyMap<string, Partial<E>>,
  ): Promise<void> {
    await this.write(this.rows.prepareUpdateMany(entity, changes));
  }

  /** Rows of one entity by a plain WHERE clause (see {@link RowStatements.prepareSelect}). */
  async selectRows<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    where: string,
    parameters: readonly unknown[] = [],
    suffix = '',
    extra = '',
  ): Promise<E[]> {
    const select = this.rows.prepareSelect(entity, where, parameters, suffix, extra);
    return this.run(this.manager(), select.sql, select.parameters) as Promise<E[]>;
  }

  get inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }

  /**
   * Sends a row write (prepared, see {@link query}) — or, inside a {@link together} scope writing with
   * the same manager, queues it for that scope's next combined statement. Answers its rows.
   */
  private write(statement: PreparedStatement | null): Promise<unknown[]> {
    if (statement === null) return Promise.resolve([]);
    const manager = this.manager();
    const batch = this.batches.getStore();
    if (batch !== undefined && batch.manager === manager) return batch.add(statement);
    return this.run(manager, statement.sql, statement.parameters);
  }
}

/** Runs tasks one after another, in the order they were added, whatever each one's outcome. */
class StatementQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Parameters per combined statement, well below the protocol's 65,535. */
const MAX_COMBINED_PARAMETERS = 30_000;

interface QueuedWrite {
  readonly write: PreparedStatement;
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: unknown) => void;
}

/** The writes of one {@link Database.together} scope waiting for the next turn of the event loop. */
class WriteBatch {
  private queued: QueuedWrite[] = [];
  /** The statements sent so far, in order (the connection runs them one after another anyway). */
  private sent: Promise<void> = Promise.resolve();

  constructor(
    readonly manager: EntityManager,
    private readonly run: (
      manager: EntityManager,
      sql: string,
      parameters: readonly unknown[],
    ) => Promise<unknown[]>,
  ) {}

  add(write: PreparedStatement): Promise<unknown[]> {
    return new Promise((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.flush());
      this.queued.push({ write, resolve, reject });
    });
  }

  private flush(): void {
    const queued = this.queued;
    this.queued = [];
    // Groups in order, each with at most one answering write and a bounded parameter count.
    const groups: QueuedWrite[][] = [];
    let group: QueuedWrite[] = [];
    let parameters = 0;
    for (const entry of queued) {
      const full =
        group.length > 0 &&
        ((entry.write.returns && group.some((g) => g.write.returns)) ||
          parameters + entry.write.parameters.length > MAX_COMBINED_PARAMETERS);
      if (full) {
        groups.push(group);
        group = [];
        parameters = 0;
      }
      group.push(entry);
      parameters += entry.write.parameters.length;
    }
    if (group.length > 0) groups.push(group);
    for (const entries of groups) {
      this.sent = this.sent.then(async () => {
        try {
          const combined = combineWrites(entries.map((e) => e.write));
          const rows = await this.run(this.manager, combined.sql, combined.parameters);
          for (const e of entries) e.resolve(e.write.returns ? rows : []);
        } catch (error) {
          for (const e of entries) e.reject(error);
        }
      });
    }
  }
}

/** TypeORM answers UPDATE and DELETE with `[rows, affected]`, other statements with the rows. */
function rowsOf(result: unknown): unknown[] {
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  )
    return result[0] as unknown[];
  return Array.isArray(result) ? (result as unknown[]) : [];
}
