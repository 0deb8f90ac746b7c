export {
  createDataSource,
  MIGRATIONS_TABLE,
  PLATFORM_ENTITIES,
  type DataSourceSettings,
  type EntityClass,
  type MigrationClass,
  type SchemaDefinition,
} from './data-source';
export { Database, type DatabaseOptions } from './database';
export { StatementNames, type StatementNamesOptions } from './statement-names';
export { DatabaseModule } from './database.module';
export { DatabaseRuntime, EMBEDDED_RESERVED_CONNECTIONS, type MigrationReport } from './database-runtime';
export { EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
export { InstallationEntity } from './entities/installation.entity';
export { findSchemaDrift, type SchemaDrift } from './schema-drift';
export { SnakeNamingStrategy } from './snake-naming.strategy';
