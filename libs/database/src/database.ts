import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, EntityManager, EntityTarget, ObjectLiteral, Repository } from 'typeorm';
import { combineWrites, RowStatements, type PreparedWrite } from './row-statements';

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
    return this.batches.run(new WriteBatch(this.manager()), work);
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
    const batch = this.batchFor();
    if (batch === undefined) return this.rows.insert(this.manager(), entity, rows, returning);
    const prepared = this.rows.prepareInsert(entity, rows, returning);
    return prepared === null ? Promise.resolve([]) : (batch.add(prepared) as Promise<Pick<E, K>[]>);
  }

  /** Updates one row by its primary key in one plain statement (see {@link RowStatements}). */
  updateRow<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    id: unknown,
    changes: Partial<E>,
  ): Promise<void> {
    const batch = this.batchFor();
    if (batch === undefined) return this.rows.update(this.manager(), entity, id, changes);
    const prepared = this.rows.prepareUpdate(entity, id, changes);
    return prepared === null ? Promise.resolve() : batch.add(prepared).then(() => undefined);
  }

  /** Several rows by primary key, each with its own changes, in one statement (see {@link RowStatements.updateMany}). */
  updateRows<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    changes: ReadonlyMap<string, Partial<E>>,
  ): Promise<void> {
    const batch = this.batchFor();
    if (batch === undefined) return this.rows.updateMany(this.manager(), entity, changes);
    const prepared = this.rows.prepareUpdateMany(entity, changes);
    return prepared === null ? Promise.resolve() : batch.add(prepared).then(() => undefined);
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

  /** The {@link together} scope of the current code, if it writes with the same manager. */
  private batchFor(): WriteBatch | undefined {
    const batch = this.batches.getStore();
    return batch !== undefined && batch.manager === this.manager() ? batch : undefined;
  }
}

/** Parameters per combined statement, well below the protocol's 65,535. */
const MAX_COMBINED_PARAMETERS = 30_000;

interface QueuedWrite {
  readonly write: PreparedWrite;
  readonly resolve: (rows: unknown[]) => void;
  readonly reject: (error: unknown) => void;
}

/** The writes of one {@link Database.together} scope waiting for the next turn of the event loop. */
class WriteBatch {
  private queued: QueuedWrite[] = [];
  /** The statements sent so far, in order (the connection runs them one after another anyway). */
  private sent: Promise<void> = Promise.resolve();

  constructor(readonly manager: EntityManager) {}

  add(write: PreparedWrite): Promise<unknown[]> {
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
          const rows = await this.manager.query<unknown[]>(combined.sql, [...combined.parameters]);
          for (const e of entries) e.resolve(e.write.returns ? rows : []);
        } catch (error) {
          for (const e of entries) e.reject(error);
        }
      });
    }
  }
}
