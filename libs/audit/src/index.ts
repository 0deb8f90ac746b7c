export {
  canonicalRecord,
  chainHash,
  contentDigest,
  GENESIS_HASH,
  redactDetails,
  type ChainedContent,
} from './audit-chain';
export { AuditModule } from './audit.module';
export { AuditRetentionJob } from './audit-retention.job';
export {
  actorOf,
  AuditService,
  SYSTEM_ACTOR,
  type AuditActor,
  type AuditEntry,
  type AuditResult,
  type ChainVerification,
  type RequestOrigin,
} from './audit.service';
export { AuditRecordEntity } from './entities/audit-record.entity';
