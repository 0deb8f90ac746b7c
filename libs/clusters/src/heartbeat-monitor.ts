import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Clock } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { FleetScheduler } from './fleet-scheduler';
import { MetricsRepository } from './metrics.repository';
import { NodeTransitions } from './node-transitions';
import { NodesRepository } from './nodes.repository';

export const HEARTBEAT_SWEEP_JOB = 'fleet-heartbeat-sweep';
export const METRICS_RETENTION_JOB = 'fleet-metrics-retention';
const RETENTION_INTERVAL_MS = 3_600_000;

/** Longest pause between two sweeps: a dead node is noticed at most this long after its timeout. */
const MAX_SWEEP_INTERVAL_MS = 1_000;

/**
 * Notices dead nodes: every second (or a third of the timeout, if shorter), nodes silent for longer
 * than the timeout become `Unknown` (with `node.heartbeat_lost`), so a dead node is noticed at most
 * timeout + 1 s after its last heartbeat. One indexed UPDATE per sweep, whatever the fleet size.
 * Also prunes metric samples past retention.
 */
@Injectable()
export class HeartbeatMonitor implements OnApplicationBootstrap {
  private readonly logger = new Logger('HeartbeatMonitor');

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Database) private readonly database: Database,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(MetricsRepository) private readonly metrics: MetricsRepository,
    @Inject(NodeTransitions) private readonly transitions: NodeTransitions,
    @Inject(FleetScheduler) private readonly scheduler: FleetScheduler,
  ) {}

  onApplicationBootstrap(): void {
    const timeout = this.config.fleet.heartbeatTimeoutMs;
    this.scheduler.every(
      HEARTBEAT_SWEEP_JOB,
      Math.max(50, Math.min(MAX_SWEEP_INTERVAL_MS, Math.floor(timeout / 3))),
      async () => {
        await this.sweep();
      },
    );
    this.scheduler.every(METRICS_RETENTION_JOB, RETENTION_INTERVAL_MS, async () => {
      await this.applyRetention();
    });
  }

  /** Marks nodes silent for longer than the timeout `Unknown`; returns how many changed. */
  async sweep(): Promise<number> {
    const timeoutMs = this.config.fleet.heartbeatTimeoutMs;
    const now = this.clock.now();
    const cutoff = new Date(now.getTime() - timeoutMs);
    return this.database.transaction(async () => {
      const lost = await this.nodes.markSilentUnknown(
        cutoff,
        now,
        `no heartbeat for more than ${timeoutMs} ms`,
      );
      await this.transitions.record(lost, null, 'timeout', timeoutMs);
      if (lost.length > 0) this.logger.warn({ msg: 'heartbeats lost', nodes: lost.length });
      return lost.length;
    });
  }

  async applyRetention(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.config.fleet.metricsRetentionDays * 86_400_000);
    const deleted = await this.metrics.deleteOlderThan(cutoff);
    if (deleted > 0) this.logger.log({ msg: 'metric samples pruned', deleted, cutoff: cutoff.toISOString() });
    return deleted;
  }
}
