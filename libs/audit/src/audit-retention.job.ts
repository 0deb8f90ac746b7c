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
 * Deletes audit records older than AUDIT_RETENTION_DAYS, periodically. Every replica schedules it;
 * a transaction-level advisory lock makes one of them do the work each time. (When leader election
 * lands, this becomes a leader-only job.)
 */
@Injectable()
export class AuditRetentionJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AuditRetention');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.runOnce(), this.config.audit.retentionIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
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
