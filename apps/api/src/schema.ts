import { IdempotencyKeyEntity, LeaderLeaseEntity } from '@hotswap/coordination';
import type { SchemaDefinition } from '@hotswap/database';
import { MIGRATIONS } from './migrations';

/** Every entity of the application and the migrations that create their tables. */
export const SCHEMA: SchemaDefinition = {
  entities: [LeaderLeaseEntity, IdempotencyKeyEntity],
  migrations: MIGRATIONS,
};
