import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';

/**
 * The application's handle on PostgreSQL. Services declare transactions with {@link transaction};
 * repositories call {@link manager} / {@link repository}, which join the caller's transaction when
 * there is one. So a use case that spans several repositories commits or rolls back as a whole
 * without any of them knowing.
 */
export class Database {
  private readonly current = new AsyncLocalStorage<EntityManager>();

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

  get inTransaction(): boolean {
    return this.current.getStore() !== undefined;
  }
}
