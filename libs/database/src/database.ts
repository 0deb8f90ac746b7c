import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { RowStatements } from './row-statements';

/**
 * The application's handle on PostgreSQL. Services declare transactions with {@link transaction};
 * repositories call {@link manager} / {@link repository}, which join the caller's transaction when
 * there is one. So a use case that spans several repositories commits or rolls back as a whole
 * without any of them knowing.
 */
export class Database {
  private readonly current = new AsyncLocalStorage<EntityManager>();
  private readonly rows = new RowStatements((entity) => this.dataSource.getMetadata(entity));

  constructor(readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction (or joins the one already open), committing if it resolves. */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.current.getStore() !== undefined) return work();
    return this.dataSource.transaction((manager) => this.current.run(manager, work));
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
  insertRows<E extends ObjectLiteral, K extends keyof E & string>(
    entity: EntityTarget<E>,
    rows: readonly Partial<E>[],
    returning: readonly K[] = [],
  ): Promise<Pick<E, K>[]> {
    return this.rows.insert(this.manager(), entity, rows, returning);
  }

  /** Updates one row by its primary key in one plain statement (see {@link RowStatements}). */
  updateRow<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    id: unknown,
    changes: Partial<E>,
  ): Promise<void> {
    return this.rows.update(this.manager(), entity, id, changes);
  }

  /** Several rows by primary key, each with its own changes, in one statement (see {@link RowStatements.updateMany}). */
  updateRows<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    changes: ReadonlyMap<string, Partial<E>>,
  ): Promise<void> {
    return this.rows.updateMany(this.manager(), entity, changes);
  }

  /** Rows of one entity by a plain WHERE clause (see {@link RowStatements.select}). */
  selectRows<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    where: string,
    parameters: readonly unknown[] = [],
    suffix = '',
    extra = '',
  ): Promise<E[]> {
    return this.rows.select(this.manager(), entity, where, parameters, suffix, extra);
  }

  get inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }
}
