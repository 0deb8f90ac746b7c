import { APPROVAL_ENTITIES } from '@hotswap/approvals';
import { AuditRecordEntity } from '@hotswap/audit';
import {
  ApiTokenEntity,
  RateLimitCounterEntity,
  RefreshTokenEntity,
  SessionEntity,
  UserEntity,
} from '@hotswap/auth';
import { IdempotencyKeyEntity, LeaderLeaseEntity } from '@hotswap/coordination';
import { CLUSTER_ENTITIES } from '@hotswap/clusters';
import type { SchemaDefinition } from '@hotswap/database';
import { EVENT_ENTITIES } from '@hotswap/events';
import { MODULE_ENTITIES } from '@hotswap/modules';
import { DEPLOYMENT_ENTITIES } from '@hotswap/deployments';
import { GRAPH_ENTITIES } from '@hotswap/knowledge-graph';
import { MIGRATIONS } from './migrations';

/** Every entity of the application and the migrations that create their tables. */
export const SCHEMA: SchemaDefinition = {
  entities: [
    ...EVENT_ENTITIES,
    ...MODULE_ENTITIES,
    ...DEPLOYMENT_ENTITIES,
    AuditRecordEntity,
    UserEntity,
    SessionEntity,
    RefreshTokenEntity,
    ApiTokenEntity,
    RateLimitCounterEntity,
    LeaderLeaseEntity,
    IdempotencyKeyEntity,
    ...CLUSTER_ENTITIES,
    ...APPROVAL_ENTITIES,
    ...GRAPH_ENTITIES,
  ],
  migrations: MIGRATIONS,
};
