export { DEFAULT_RETRY_POLICY, isLastAttempt, retryDelayWindow, type RetryPolicy } from './backoff';
export {
  APP_LEADER_ELECTION,
  coordinationConnections,
  CoordinationModule,
  IDEMPOTENCY_PRUNE_TASK,
} from './coordination.module';
export { CoordinationMetrics, type QueueDepths } from './coordination.metrics';
export { DistributedLock, LockTimeoutError, type AcquireOptions, type LockHandle } from './distributed-lock';
export { IdempotencyKeyEntity } from './entities/idempotency-key.entity';
export { LeaderLeaseEntity } from './entities/leader-lease.entity';
export { Fence, FENCE_PLACEHOLDER, FencedWriteRejectedError } from './fence';
export {
  canonicalJson,
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyScope,
  isValidIdempotencyKey,
  requestFingerprint,
} from './idempotency-request';
export {
  IDEMPOTENCY_EXEMPT,
  IDEMPOTENT_ROUTE,
  Idempotent,
  IdempotencyExempt,
  IdempotencyInterceptor,
  IdempotencyKeyReusedError,
  IdempotencyRequestInFlightError,
} from './idempotency.interceptor';
export { IdempotencyRepository } from './idempotency.repository';
export {
  defineQueue,
  JobQueue,
  QUEUE_SCHEMA,
  QueueStoppedError,
  type DeadLetter,
  type JobContext,
  type JobHandler,
  type JobQueueSettings,
  type QueueDefinition,
  type QueuePolicy,
  type SendJobOptions,
  type WorkOptions,
} from './job-queue';
export {
  LeaderElection,
  leaseValidUntil,
  NotLeaderError,
  type LeaderElectionOptions,
  type LeadershipChange,
} from './leader-election';
export { LeaderLeaseRepository, type LeaseAttempt } from './leader-lease.repository';
export { LeaderScheduler, type LeaderTask, type LeaderTaskContext } from './leader-scheduler';
export { assertResourceName, InvalidResourceNameError, lockKey } from './lock-key';
export { LocalMutex } from './local-mutex';
