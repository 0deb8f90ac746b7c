import type { EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';

type ColumnMetadata = EntityMetadata['columns'][number];

/** Column types written as given (the driver converts them); jsonb is serialized here. */
const PLAIN_TYPES = new Set([
  'uuid',
  'varchar',
  'char',
  'text',
  'integer',
  'int',
  'bigint',
  'boolean',
  'timestamptz',
]);

/**
 * One statement (a write, or a select) as SQL with its `$1…$n` parameters, ready to send. The SQL is generated here, from the
 * entity's mapping: it holds no `$` other than its placeholders (so {@link combineWrites} can renumber
 * them).
 */
export interface PreparedStatement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  /** Whether its rows are the answer (a select, or a write ending in RETURNING). */
  readonly returns: boolean;
}

interface Statement {
  readonly sql: string;
  readonly columns: readonly ColumnMetadata[];
}

/**
 * Plain INSERT and UPDATE statements compiled from an entity's mapping, for the hot write paths: the
 * same rows TypeORM's query builder would write (snake-case names, jsonb serialized, `updated_at`
 * touched, defaults for omitted columns), without building and escaping the query anew on every call,
 * which costs several times the round trip itself. Statements are cached per entity and column set
 * (never per row count: bulk inserts vary in size).
 * Only the column types listed above are supported; anything else is refused at compile time.
 */
export class RowStatements {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly metadataOf: (entity: EntityTarget<ObjectLiteral>) => EntityMetadata) {}

  /**
   * Inserts `rows` (every row with the same properties; `undefined` properties take the column
   * default) in one statement answering `returning` of each row, in order (null for no rows).
   */
  prepareInsert<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    rows: readonly Partial<E>[],
    returning: readonly string[] = [],
  ): PreparedStatement | null {
    const first = rows[0];
    if (first === undefined) return null;
    const keys = Object.keys(first).filter((key) => first[key] !== undefined);
    // Compiled once per column set; the VALUES placeholders depend on the row count, which varies
    // (bulk appends), so they are built per call rather than cached per count.
    const statement = this.compile(`insert:${keys.join(',')}`, entity, keys, (metadata, columns) => {
      const names = columns.map((c) => `"${c.databaseName}"`).join(', ');
      return `INSERT INTO ${this.table(metadata)} (${names}) VALUES `;
    });
    const width = statement.columns.length;
    const values = rows
      .map((_, r) => `(${statement.columns.map((_c, c) => `$${r * width + c + 1}`).join(', ')})`)
      .join(', ');
    const parameters: unknown[] = [];
    for (const row of rows) {
      for (const column of statement.columns) parameters.push(toParameter(column, row[column.propertyName]));
    }
    const suffix = this.returning(this.metadataOf(entity), returning);
    return { sql: statement.sql + values + suffix, parameters, returns: suffix !== '' };
  }

  /**
   * `UPDATE … SET <changes> WHERE <primary key> = id`; touches the update-date column (null when there
   * is nothing to change).
   */
  prepareUpdate<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    id: unknown,
    changes: Partial<E>,
  ): PreparedStatement | null {
    const keys = Object.keys(changes).filter((key) => changes[key] !== undefined);
    if (keys.length === 0) return null;
    const statement = this.compile(`update:${keys.join(',')}`, entity, keys, (metadata, columns) => {
      const sets = columns.map((c, i) => `"${c.databaseName}" = $${i + 1}`).concat(touch(metadata, columns));
      return `UPDATE ${this.table(metadata)} SET ${sets.join(', ')} WHERE "${primaryColumn(metadata).databaseName}" = $${columns.length + 1}`;
    });
    const parameters = statement.columns.map((column) => toParameter(column, changes[column.propertyName]));
    parameters.push(id);
    return { sql: statement.sql, parameters, returns: false };
  }

  /**
   * Several rows of one entity, each with its own changes, in one statement: every row's changes
   * become a JSON patch applied over its current values (`jsonb_populate_record`), so a property one
   * row changes and another does not keeps the other's value. Touches the update-date column. The
   * rows are joined from an array of their keys (whose length the planner sees), so each is found
   * through the primary key's index however large the table.
   */
  prepareUpdateMany<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    changes: ReadonlyMap<string, Partial<E>>,
  ): PreparedStatement | null {
    if (changes.size === 0) return null;
    if (changes.size === 1) {
      const [[id, only]] = [...changes] as [[string, Partial<E>]];
      return this.prepareUpdate(entity, id, only);
    }
    const properties = new Set<string>();
    for (const row of changes.values())
      for (const [key, value] of Object.entries(row)) if (value !== undefined) properties.add(key);
    if (properties.size === 0) return null;
    const keys = [...properties].sort();
    const statement = this.compile(`update-many:${keys.join(',')}`, entity, keys, (metadata, columns) => {
      const primary = primaryColumn(metadata);
      const names = columns.map((c) => `"${c.databaseName}"`);
      const sets = [
        `(${names.join(', ')}) = (SELECT ${names.map((n) => `r.${n}`).join(', ')} FROM jsonb_populate_record(t, p.value) AS r)`,
        ...touch(metadata, columns),
      ];
      return (
        `UPDATE ${this.table(metadata)} AS t SET ${sets.join(', ')} ` +
        `FROM unnest($1::${primaryType(primary)}[], $2::jsonb[]) AS p(key, value) ` +
        `WHERE t."${primary.databaseName}" = p.key`
      );
    });
    const ids: string[] = [];
    const patches: string[] = [];
    for (const [id, row] of changes) {
      const patch: Record<string, unknown> = {};
      for (const column of statement.columns) {
        const value = row[column.propertyName];
        if (value !== undefined) patch[column.databaseName] = value;
      }
      ids.push(id);
      patches.push(JSON.stringify(patch));
    }
    return { sql: statement.sql, parameters: [ids, patches], returns: false };
  }

  /**
   * `SELECT <every column, as its property> FROM <table> WHERE <where> <suffix>`: rows as plain objects
   * with the entity's property names (jsonb parsed, timestamps as Date, bigint as string — as TypeORM
   * reads them), without the query builder's per-call work. `where` and `suffix` are SQL with
   * `$n` parameters.
   */
  prepareSelect<E extends ObjectLiteral>(
    entity: EntityTarget<E>,
    where: string,
    parameters: readonly unknown[],
    suffix = '',
    /** More select-list items (e.g. a correlated subquery `(…) AS "name"`), read along with the row. */
    extra = '',
  ): PreparedStatement {
    const metadata = this.metadataOf(entity);
    const cacheKey = `${metadata.tableName}:select`;
    let list = this.statements.get(cacheKey)?.sql;
    if (list === undefined) {
      list = metadata.columns.map((c) => `"${c.databaseName}" AS "${c.propertyName}"`).join(', ');
      this.statements.set(cacheKey, { sql: list, columns: metadata.columns });
    }
    const sql =
      `SELECT ${list}${extra === '' ? '' : `, ${extra}`} FROM ${this.table(metadata)} WHERE ${where}` +
      (suffix === '' ? '' : ` ${suffix}`);
    return { sql, parameters, returns: true };
  }

  private compile(
    key: string,
    entity: EntityTarget<ObjectLiteral>,
    properties: readonly string[],
    build: (metadata: EntityMetadata, columns: readonly ColumnMetadata[]) => string,
  ): Statement {
    const metadata = this.metadataOf(entity);
    const cacheKey = `${metadata.tableName}:${key}`;
    const cached = this.statements.get(cacheKey);
    if (cached !== undefined) return cached;
    const columns = properties.map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (column === undefined) throw new Error(`${metadata.name} has no column for ${property}`);
      if (column.type !== 'jsonb' && !PLAIN_TYPES.has(String(column.type)))
        throw new Error(`${metadata.name}.${property}: column type ${String(column.type)} is not supported`);
      return column;
    });
    const statement = { sql: build(metadata, columns), columns };
    this.statements.set(cacheKey, statement);
    return statement;
  }

  private table(metadata: EntityMetadata): string {
    return metadata.schema === undefined
      ? `"${metadata.tableName}"`
      : `"${metadata.schema}"."${metadata.tableName}"`;
  }

  private returning(metadata: EntityMetadata, properties: readonly string[]): string {
    if (properties.length === 0) return '';
    const columns = properties.map((property) => {
      const column = metadata.findColumnWithPropertyName(property);
      if (column === undefined) throw new Error(`${metadata.name} has no column for ${property}`);
      return `"${column.databaseName}" AS "${property}"`;
    });
    return ` RETURNING ${columns.join(', ')}`;
  }
}

/** The one primary-key column updates by id use. */
function primaryColumn(metadata: EntityMetadata): ColumnMetadata {
  const [primary, ...more] = metadata.primaryColumns;
  if (primary === undefined || more.length > 0)
    throw new Error(`${metadata.name}: updates by id need exactly one primary column`);
  return primary;
}

/**
 * The primary key's SQL type, for the array of keys an update joins on: the key column is compared as
 * itself, so its index finds the rows (compared cast to text, it would read the whole table).
 */
function primaryType(column: ColumnMetadata): string {
  const type = String(column.type);
  if (type === 'jsonb' || !PLAIN_TYPES.has(type))
    throw new Error(`${column.entityMetadata.name}: primary key type ${type} is not supported`);
  return type === 'int' ? 'integer' : type;
}

/** `updated_at = CURRENT_TIMESTAMP` when the entity has an update-date column the changes do not set. */
function touch(metadata: EntityMetadata, columns: readonly ColumnMetadata[]): string[] {
  const touched = metadata.updateDateColumn;
  return touched === undefined || columns.includes(touched)
    ? []
    : [`"${touched.databaseName}" = CURRENT_TIMESTAMP`];
}

function toParameter(column: ColumnMetadata, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return column.type === 'jsonb' ? JSON.stringify(value) : value;
}

/**
 * Several independent writes as one statement: every write but the answering one becomes a
 * data-modifying `WITH` item, and the one with RETURNING (at most one; else the last) is the main
 * statement, whose rows are the answer. All of them run with the same snapshot and none sees
 * another's rows, so they must not depend on each other (a foreign key between sibling inserts is
 * fine: it is checked at the end of the statement). Parameters are renumbered in order.
 */
export function combineWrites(writes: readonly PreparedStatement[]): PreparedStatement {
  const answering = writes.filter((w) => w.returns);
  if (answering.length > 1) throw new Error('combined writes can return the rows of one write only');
  if (writes.length === 1 && writes[0] !== undefined) return writes[0];
  const main = answering[0] ?? writes[writes.length - 1];
  if (main === undefined) throw new Error('no writes to combine');
  const parameters: unknown[] = [];
  const renumbered = (write: PreparedStatement): string => {
    const offset = parameters.length;
    parameters.push(...write.parameters);
    return offset === 0
      ? write.sql
      : write.sql.replace(/\$(\d+)/g, (_m, n: string) => `$${Number(n) + offset}`);
  };
  const items = writes.filter((w) => w !== main).map((w, i) => `w${i} AS (${renumbered(w)})`);
  const sql = `WITH ${items.join(', ')} ${renumbered(main)}`;
  return { sql, parameters, returns: main.returns };
}
