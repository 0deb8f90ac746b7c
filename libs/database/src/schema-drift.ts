import type { DataSource } from 'typeorm';

export interface SchemaDrift {
  /** Statements that would bring the database in line with the entities. */
  readonly up: readonly string[];
  /** Statements that would undo them. */
  readonly down: readonly string[];
}

/**
 * Compares the entities with a database on which every migration has been applied. An empty result
 * means the migrations describe exactly the schema the entities expect.
 */
export async function findSchemaDrift(dataSource: DataSource): Promise<SchemaDrift> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return {
    up: log.upQueries.map((q) => q.query),
    down: log.downQueries.map((q) => q.query).reverse(),
  };
}
