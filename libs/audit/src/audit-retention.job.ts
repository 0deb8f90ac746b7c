import { LeaderScheduler } from '@hotswap/coordination';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { AuditService } from './audit.service';

/**
 * Deletes audit records older than AUDIT_RETENTION_DAYS, periodically, on the elected leader only; a
 * transaction-level advisory lock in {@link runOnce} still makes a concurrent run a no-op.
 */
@Injectable()
export class AuditRetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditRetention');
  private running: Promise<unknown> | undefined;

  constructor(
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(LeaderScheduler) private readonly leader: LeaderScheduler,
  ) {}

  onApplicationBootstrap(): void {
    // Leader-only: one replica runs retention; the advisory lock in runOnce stays as a second guard.
    this.leader.every('audit.retention', this.config.audit.retentionIntervalMs, async () => {
      await this.runOnce();
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.running;
  }

  /** One pass; returns how many records were deleted, or null when another replica ran it. */
  async runOnce(): Promise<number | null> {
    const run = this.audit.applyRetention(this.config.audit.retentionDays).then(
      (deleted) => {
        if (deleted !== null && deleted > 0) this.logger.log({ msg: 'audit retention applied', deleted });
        return deleted;
      },
      (error: unknown) => {
        this.logger.error({ msg: 'audit retention failed', err: error });
        return null;
      },
    );
    this.running = run;
    return run;
  }
}
