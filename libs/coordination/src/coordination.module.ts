import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AppConfig } from '@hotswap/config';
import { Database, DatabaseRuntime, EMBEDDED_RESERVED_CONNECTIONS } from '@hotswap/database';
import { Pool } from 'pg';
import { coordinationMetricProviders, CoordinationMetrics } from './coordination.metrics';
import { DistributedLock } from './distributed-lock';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyRepository } from './idempotency.repository';
import { JobQueue } from './job-queue';
import { LeaderElection } from './leader-election';
import { LeaderLeaseRepository } from './leader-lease.repository';
import { LeaderScheduler } from './leader-scheduler';

/** The election every replica of one installation joins; leader-only tasks run on its winner. */
export const APP_LEADER_ELECTION = 'hotswap';
export const IDEMPOTENCY_PRUNE_TASK = 'idempotency-key-prune';

/** Connections the coordination pools take on the embedded server (within its reserve). */
const EMBEDDED_LOCK_POOL = 2;
const EMBEDDED_QUEUE_POOL = 3;

/** Where the coordination pools connect, and how many connections each may open. */
export function coordinationConnections(
  config: AppConfig,
  runtime: Pick<DatabaseRuntime, 'embedded'>,
): { url: string; lockPoolSize: number; queuePoolSize: number; embedded: boolean } {
  const embedded = runtime.embedded;
  if (embedded !== undefined) {
    // Both fit in the connections the embedded server keeps free beyond the app's pool.
    if (EMBEDDED_LOCK_POOL + EMBEDDED_QUEUE_POOL >= EMBEDDED_RESERVED_CONNECTIONS) {
      throw new Error('the coordination pools do not fit the embedded connection reserve');
    }
    return {
      url: embedded.url,
      lockPoolSize: EMBEDDED_LOCK_POOL,
      queuePoolSize: EMBEDDED_QUEUE_POOL,
      embedded: true,
    };
  }
  const url = config.database.url;
  if (url === undefined) throw new Error('no DATABASE_URL and no embedded database');
  return {
    url,
    lockPoolSize: config.coordination.lockPoolSize,
    queuePoolSize: config.coordination.queue.poolSize,
    embedded: false,
  };
}

/** Starts the election, the scheduler and the queue once the app is up; stops them before the database closes. */
@Injectable()
export class CoordinationLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Coordination');

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(LeaderElection) private readonly election: LeaderElection,
    @Inject(LeaderScheduler) private readonly scheduler: LeaderScheduler,
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(DistributedLock) private readonly locks: DistributedLock,
    @Inject(IdempotencyRepository) private readonly idempotency: IdempotencyRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.start();
    this.scheduler.every(
      IDEMPOTENCY_PRUNE_TASK,
      this.config.coordination.idempotency.pruneIntervalMs,
      async () => {
        const pruned = await this.idempotency.pruneExpired();
        if (pruned > 0) this.logger.log({ msg: 'expired idempotency keys pruned', count: pruned });
      },
    );
    this.election.start();
    this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.scheduler.stop();
    await this.election.stop();
    // Half the shutdown budget for running jobs; what is still running then is failed and retried elsewhere.
    await this.queue.stop(Math.floor(this.config.shutdownTimeoutMs / 2));
    await this.locks.close();
  }
}

/**
 * Distributed locks, leader election with fencing, leader-only periodic tasks, the job queue and
 * idempotency keys — all on the application's PostgreSQL (server or embedded).
 */
@Global()
@Module({})
export class CoordinationModule {
  static forRoot(): DynamicModule {
    return {
      module: CoordinationModule,
      providers: [
        ...coordinationMetricProviders(),
        {
          provide: DistributedLock,
          inject: [AppConfig, DatabaseRuntime, Database, CoordinationMetrics],
          useFactory: (
            config: AppConfig,
            runtime: DatabaseRuntime,
            database: Database,
            metrics: CoordinationMetrics,
          ) => {
            const { url, lockPoolSize } = coordinationConnections(config, runtime);
            const pool = new Pool({
              connectionString: url,
              max: lockPoolSize,
              // Names the process, so pg_stat_activity tells which replica holds which lock.
              application_name: `hotswap-locks pid=${process.pid}`,
              connectionTimeoutMillis: 10_000,
            });
            // An idle lock connection that drops is simply replaced.
            pool.on('error', () => undefined);
            return new DistributedLock(pool, database, metrics);
          },
        },
        {
          provide: LeaderLeaseRepository,
          inject: [Database],
          useFactory: (database: Database) => new LeaderLeaseRepository(database),
        },
        {
          provide: LeaderElection,
          inject: [AppConfig, LeaderLeaseRepository, CoordinationMetrics],
          useFactory: (config: AppConfig, leases: LeaderLeaseRepository, metrics: CoordinationMetrics) =>
            new LeaderElection(
              leases,
              {
                name: APP_LEADER_ELECTION,
                renewIntervalMs: config.coordination.leaderRenewIntervalMs,
                leaseTtlMs: config.coordination.leaderLeaseTtlMs,
              },
              metrics,
            ),
        },
        {
          provide: LeaderScheduler,
          inject: [LeaderElection],
          useFactory: (election: LeaderElection) => new LeaderScheduler(election),
        },
        {
          provide: JobQueue,
          inject: [AppConfig, DatabaseRuntime, Database, CoordinationMetrics],
          useFactory: (
            config: AppConfig,
            runtime: DatabaseRuntime,
            database: Database,
            metrics: CoordinationMetrics,
          ) => {
            const { url, queuePoolSize, embedded } = coordinationConnections(config, runtime);
            const q = config.coordination.queue;
            return new JobQueue(
              {
                url,
                poolSize: queuePoolSize,
                embedded,
                preparedStatements: !embedded && config.database.preparedStatements,
                retry: {
                  retryLimit: q.retryLimit,
                  retryDelaySeconds: q.retryDelaySeconds,
                  retryDelayMaxSeconds: q.retryDelayMaxSeconds,
                },
                jobTimeoutSeconds: q.jobTimeoutSeconds,
                pollingIntervalMs: q.pollingIntervalMs,
                superviseIntervalSeconds: q.superviseIntervalSeconds,
              },
              database,
              metrics,
            );
          },
        },
        {
          provide: IdempotencyRepository,
          inject: [Database],
          useFactory: (database: Database) => new IdempotencyRepository(database),
        },
        IdempotencyInterceptor,
        { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor },
        CoordinationLifecycle,
      ],
      exports: [DistributedLock, LeaderElection, LeaderScheduler, JobQueue, CoordinationMetrics],
    };
  }
}
