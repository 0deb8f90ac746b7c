import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Clock } from '@hotswap/contracts';
import { LeaderScheduler } from '@hotswap/coordination';
import { EventLog } from './event-log';

export const EVENT_RETENTION_TASK = 'events.retention';
const DAY_MS = 86_400_000;

/** Prunes events older than EVENTS_RETENTION_DAYS, on the elected leader only, in bounded batches. */
@Injectable()
export class EventRetentionJob implements OnApplicationBootstrap {
  private readonly logger = new Logger('EventRetention');

  constructor(
    @Inject(EventLog) private readonly log: EventLog,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(LeaderScheduler) private readonly leader: LeaderScheduler,
  ) {}

  onApplicationBootstrap(): void {
    this.leader.every(EVENT_RETENTION_TASK, this.config.events.retentionIntervalMs, async ({ signal }) => {
      await this.runOnce(signal);
    });
  }

  /** Prunes until nothing is older than the retention period (or leadership is lost). */
  async runOnce(signal?: AbortSignal): Promise<number> {
    const before = new Date(this.clock.now().getTime() - this.config.events.retentionDays * DAY_MS);
    let total = 0;
    for (;;) {
      const deleted = await this.log.prune(before);
      total += deleted;
      if (deleted === 0 || signal?.aborted === true) break;
    }
    if (total > 0) this.logger.log({ msg: 'event retention applied', deleted: total });
    return total;
  }
}
