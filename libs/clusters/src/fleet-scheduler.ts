import { LeaderScheduler } from '@hotswap/coordination';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';

/**
 * Periodic fleet jobs (heartbeat-timeout sweep, metrics retention). Each job is safe to run on
 * several replicas at once (row-locked, idempotent updates); the scheduler decides where it runs.
 */
export abstract class FleetScheduler {
  abstract every(name: string, intervalMs: number, task: () => Promise<void>): void;
}

/** Runs every job on this replica, one run of a job at a time. */
@Injectable()
export class LocalFleetScheduler extends FleetScheduler implements OnApplicationShutdown {
  private readonly logger = new Logger('FleetScheduler');
  private readonly timers: NodeJS.Timeout[] = [];

  every(name: string, intervalMs: number, task: () => Promise<void>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return;
      running = true;
      task()
        .catch((error: unknown) => this.logger.error({ msg: 'fleet job failed', job: name, err: error }))
        .finally(() => {
          running = false;
        });
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }

  onApplicationShutdown(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers.length = 0;
  }
}

/** Runs each job on the elected leader only (one replica at a time), through the coordination lib. */
@Injectable()
export class LeaderFleetScheduler extends FleetScheduler {
  constructor(@Inject(LeaderScheduler) private readonly leader: LeaderScheduler) {
    super();
  }

  every(name: string, intervalMs: number, task: () => Promise<void>): void {
    this.leader.every(`fleet.${name}`, intervalMs, () => task());
  }
}
