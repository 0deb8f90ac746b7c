import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { FleetScheduler } from './fleet-scheduler';
import { NodeWakeups } from './node-wakeups';
import { NodesRepository } from './nodes.repository';

export const PREVIOUS_UNLOAD_JOB = 'fleet-previous-unload';
/** A previous version is unloaded at most this long after its retention ran out. */
const SWEEP_INTERVAL_MS = 1_000;
/** Modules unloaded per transaction, and transactions per sweep (the rest waits for the next one). */
const BATCH = 1_000;
const MAX_BATCHES = 20;

/**
 * Unloads previous versions once their retention (`retainPreviousSeconds`, Blue-Green's
 * `scaleDownDelaySeconds`) has run out: every second, on the leader, modules whose
 * `previous_retained_until` has passed lose their loaded previous slot. A simulated node's row is the
 * node, so that is the unload; an agent's desired state stops naming the previous version and the
 * replica holding its socket pushes the new generation, so the agent unloads it. The version stays
 * remembered as `previousVersion`: a later rollback loads it again. Safe on several replicas at once
 * (rows locked with SKIP LOCKED; a row unloaded is no longer due).
 */
@Injectable()
export class PreviousSlotRetention implements OnApplicationBootstrap {
  private readonly logger = new Logger('PreviousSlotRetention');

  constructor(
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Database) private readonly database: Database,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(NodeWakeups) private readonly wakeups: NodeWakeups,
    @Inject(FleetScheduler) private readonly scheduler: FleetScheduler,
  ) {}

  onApplicationBootstrap(): void {
    this.scheduler.every(PREVIOUS_UNLOAD_JOB, SWEEP_INTERVAL_MS, async () => {
      await this.sweep();
    });
  }

  /** Unloads every previous version whose retention ran out by now; returns how many. */
  async sweep(): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const now = this.clock.now();
      const unloaded = await this.database.transaction(() => this.nodes.unloadExpiredPrevious(now, BATCH));
      // After the commit: the holder of each agent's socket pushes the new desired state.
      for (const nodeId of new Set(unloaded.filter((u) => u.kind === 'agent').map((u) => u.nodeId)))
        await this.wakeups.wake('desired', nodeId);
      total += unloaded.length;
      if (unloaded.length < BATCH) break;
    }
    if (total > 0)
      this.logger.log({ msg: 'previous versions unloaded after their retention', modules: total });
    return total;
  }
}
