import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DistributedLock, JobQueue } from '@hotswap/coordination';
import { DEPLOYMENT_QUEUE, deploymentLockName } from './queue-scheduler';

/** How often each replica looks for runs whose executor is gone. */
export const ABANDONED_CHECK_MS = 1_000;

/**
 * Hands a deployment run whose replica died to another replica within seconds (P7), without waiting
 * for the job's heartbeat to lapse (10 s at the least, plus a supervise pass).
 *
 * A run holds its deployment's session lock from start to end, and the server frees that lock the
 * moment the holder's connection ends — a killed process's at once. So an attempt that pg-boss still
 * counts as active while nobody holds its deployment's lock has lost its worker. Seen so on two
 * consecutive checks (the lock is also free for a few milliseconds around each run, between fetch and
 * acquire and between release and completion), the attempt is failed, and the queue retries it
 * (1 s later, on any replica); the node-operation log lets the retried step skip what was already
 * done. Every replica checks, so it works when the dead replica was the leader, too.
 */
@Injectable()
export class AbandonedRunWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AbandonedRunWatcher');
  private timer: NodeJS.Timeout | undefined;
  /** Attempts seen without an executor on the previous check. */
  private suspects = new Set<string>();
  private checking: Promise<void> | undefined;

  constructor(
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(DistributedLock) private readonly locks: DistributedLock,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.checking ??= this.check()
        .then(() => undefined)
        .catch((error: unknown) => {
          if (this.queue.running) this.logger.warn({ msg: 'abandoned-run check failed', err: error });
        })
        .finally(() => (this.checking = undefined));
    }, ABANDONED_CHECK_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
  }

  /** One check; returns the ids of the attempts it failed (for tests). */
  async check(): Promise<string[]> {
    if (!this.queue.running) return [];
    const active = await this.queue.activeJobs(DEPLOYMENT_QUEUE, ABANDONED_CHECK_MS);
    if (active.length === 0) {
      this.suspects.clear();
      return [];
    }
    const held = await this.locks.heldAnywhere(
      active.map((job) => deploymentLockName(job.data.deploymentId)),
    );
    const orphans = active.filter((job) => !held.has(deploymentLockName(job.data.deploymentId)));
    const failed: string[] = [];
    for (const job of orphans) {
      if (!this.suspects.has(job.id)) continue;
      const reason = `the replica running deployment ${job.data.deploymentId} is gone (its lock was freed)`;
      if (await this.queue.failAbandoned(DEPLOYMENT_QUEUE, job.id, reason)) {
        this.logger.warn({
          msg: 'deployment run abandoned by its replica: retrying it',
          deploymentId: job.data.deploymentId,
          jobId: job.id,
        });
        failed.push(job.id);
      }
    }
    this.suspects = new Set(orphans.filter((job) => !failed.includes(job.id)).map((job) => job.id));
    return failed;
  }
}
