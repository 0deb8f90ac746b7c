import { DataSource, type MixedList, type EntitySchema } from 'typeorm';
import { InstallationEntity } from './entities/installation.entity';
import { SnakeNamingStrategy } from './snake-naming.strategy';

// TypeORM's own constructor type for entities and migrations.
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type EntityClass = Function | string | EntitySchema;
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type MigrationClass = Function;

export interface SchemaDefinition {
  readonly entities: readonly EntityClass[];
  readonly migrations: readonly MigrationClass[];
}

/** Entities owned by the platform itself, always part of the schema. */
export const PLATFORM_ENTITIES: readonly EntityClass[] = [InstallationEntity];

export const MIGRATIONS_TABLE = 'schema_migrations';

export interface DataSourceSettings {
  readonly url: string;
  readonly poolSize: number;
  readonly schema: SchemaDefinition;
  readonly applicationName?: string;
}

/** The one way HotSwap builds a TypeORM data source: migrations only, never `synchronize`. */
export function createDataSource(settings: DataSourceSettings): DataSource {
  return new DataSource({
    type: 'postgres',
    url: settings.url,
    entities: [...PLATFORM_ENTITIES, ...settings.schema.entities] as MixedList<EntityClass>,
    migrations: [...settings.schema.migrations] as MixedList<MigrationClass>,
    migrationsTableName: MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    logging: false,
    applicationName: settings.applicationName ?? 'hotswap',
    extra: { max: settings.poolSize, connectionTimeoutMillis: 10_000 },
  });
}
