import { AuditRecordEntity } from '@hotswap/audit';
import {
  ApiTokenEntity,
  RateLimitCounterEntity,
  RefreshTokenEntity,
  SessionEntity,
  UserEntity,
} from '@hotswap/auth';
import type { SchemaDefinition } from '@hotswap/database';
import { MIGRATIONS } from './migrations';

/** Every entity of the application and the migrations that create their tables. */
export const SCHEMA: SchemaDefinition = {
  entities: [
    AuditRecordEntity,
    UserEntity,
    SessionEntity,
    RefreshTokenEntity,
    ApiTokenEntity,
    RateLimitCounterEntity,
  ],
  migrations: MIGRATIONS,
};
