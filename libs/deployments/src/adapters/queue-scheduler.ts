import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { defineQueue, DistributedLock, JobQueue } from '@hotswap/coordination';
import { DEPLOYMENT_CLOCK, type DeploymentClock } from '../clock';
import { DeploymentRunner } from '../deployment-runner';
import type { DeploymentScheduler } from '../ports';

/**
 * One job = one run of the runner for one deployment. A step cut short by a crash is retried by
 * whichever replica picks the job up again: the running attempt heartbeats, so a replica that dies
 * (SIGKILL, OOM) has its attempt failed and retried elsewhere within the heartbeat interval plus one
 * supervise pass, rather than after the attempt timeout.
 */
export const DEPLOYMENT_QUEUE = defineQueue<{ deploymentId: string }>('deployments.advance', {
  timeoutSeconds: 120,
  heartbeatSeconds: 10,
  retryLimit: 20,
  retryDelaySeconds: 1,
  retryDelayMaxSeconds: 10,
});

/** The session lock a replica holds while it runs a deployment. */
export function deploymentLockName(deploymentId: string): string {
  return `deployment:${deploymentId}`;
}

/** Deployment runs one replica executes at the same time. */
export const DEPLOYMENT_RUNS_PER_REPLICA = 8;

/** When a deployment is already being run elsewhere, look again this much later. */
const BUSY_RETRY_MS = 1_000;

/** Schedules runner runs through the job queue; inside a transaction the job commits with it. */
@Injectable()
export class QueueDeploymentScheduler implements DeploymentScheduler {
  constructor(
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(DEPLOYMENT_CLOCK) private readonly clock: DeploymentClock,
  ) {}

  async schedule(deploymentId: string, at?: Date): Promise<void> {
    const delay = at === undefined ? 0 : Math.max(0, at.getTime() - this.clock.now().getTime());
    await this.queue.send(DEPLOYMENT_QUEUE, { deploymentId }, delay > 0 ? { startAfterMs: delay } : {});
  }
}

/**
 * Runs deployments on every replica. A session lock per deployment keeps one executor at a time; a
 * replica that finds it held schedules another look instead of running it twice.
 */
@Injectable()
export class DeploymentWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger('DeploymentWorker');

  constructor(
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(DistributedLock) private readonly locks: DistributedLock,
    @Inject(DeploymentRunner) private readonly runner: DeploymentRunner,
    @Inject(QueueDeploymentScheduler) private readonly scheduler: QueueDeploymentScheduler,
    @Inject(DEPLOYMENT_CLOCK) private readonly clock: DeploymentClock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // One job per fetch, 8 fetch loops: a run can last minutes (a wave of installs), and a batch is
    // only done when all of its jobs are, so batching would hold other deployments back behind it.
    await this.queue.work(DEPLOYMENT_QUEUE, (job) => this.run(job.data.deploymentId), {
      concurrency: DEPLOYMENT_RUNS_PER_REPLICA,
      batchSize: 1,
    });
  }

  async run(deploymentId: string): Promise<void> {
    const lock = await this.locks.acquire(deploymentLockName(deploymentId), { timeoutMs: 0 });
    if (lock === null) {
      await this.scheduler.schedule(deploymentId, new Date(this.clock.now().getTime() + BUSY_RETRY_MS));
      return;
    }
    try {
      const next = await this.runner.advance(deploymentId);
      if (next !== null) await this.scheduler.schedule(deploymentId, next);
    } catch (error) {
      this.logger.error({ msg: 'deployment run failed; it will be retried', deploymentId, err: error });
      throw error;
    } finally {
      await lock.release();
    }
  }
}
