import { Logger } from '@nestjs/common';
import { CoordinationMetrics, DistributedLock, JobQueue } from '@hotswap/coordination';
import { createDataSource, Database } from '@hotswap/database';
import { createTestDatabase, postgresServer, type TestDatabase, waitFor } from '@hotswap/testing';
import { Pool } from 'pg';
import { Registry } from 'prom-client';
import { SCHEMA } from '../../../../apps/api/src/schema';
import { ABANDONED_CHECK_MS, AbandonedRunWatcher } from './abandoned-run-watcher';
import { DEPLOYMENT_QUEUE, deploymentLockName } from './queue-scheduler';

const server = postgresServer();
const describeOnServer = server.available ? describe : describe.skip;
if (!server.available) console.warn(`skipping the abandoned-run watcher test: ${server.reason}`);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describeOnServer('AbandonedRunWatcher on the PostgreSQL server', () => {
  let database: TestDatabase;
  let app: Database;
  let queue: JobQueue;
  let locks: DistributedLock;
  let unblock: () => void = () => undefined;
  const blocked = new Promise<void>((resolve) => (unblock = resolve));

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    database = await createTestDatabase(SCHEMA);
    const dataSource = createDataSource({ url: database.url, poolSize: 2, schema: SCHEMA });
    await dataSource.initialize();
    app = new Database(dataSource);
    const metrics = CoordinationMetrics.standalone(new Registry());
    queue = new JobQueue(
      {
        url: database.url,
        poolSize: 3,
        embedded: false,
        retry: { retryLimit: 3, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 },
        jobTimeoutSeconds: 120,
        pollingIntervalMs: 500,
        // The supervisor cannot be what rescues a run here: the attempts below keep heartbeating.
        superviseIntervalSeconds: 3_600,
      },
      app,
      metrics,
    );
    await queue.start();
    locks = new DistributedLock(new Pool({ connectionString: database.url, max: 3 }), app, metrics);
  });

  afterAll(async () => {
    unblock();
    await queue?.stop(2_000);
    await locks?.close();
    await app?.dataSource.destroy();
    await database?.drop();
  });

  it('fails an active attempt nobody holds the deployment lock for (seen twice), never one whose lock is held', async () => {
    const attempts: { deploymentId: string; attempt: number }[] = [];
    await queue.work(
      DEPLOYMENT_QUEUE,
      async (job) => {
        attempts.push({ deploymentId: job.data.deploymentId, attempt: job.attempt });
        if (job.attempt > 1) return;
        if (job.data.deploymentId === 'alive') {
          // A live run: it holds the deployment's lock while it works.
          const lock = await locks.acquire(deploymentLockName('alive'));
          await blocked;
          await lock?.release();
          return;
        }
        // A run whose replica is gone: active in the queue, its lock freed (here: never taken).
        await blocked;
      },
      { concurrency: 4, batchSize: 1 },
    );
    const watcher = new AbandonedRunWatcher(queue, locks);
    await queue.send(DEPLOYMENT_QUEUE, { deploymentId: 'alive' });
    const orphanId = await queue.send(DEPLOYMENT_QUEUE, { deploymentId: 'orphan' });
    await waitFor(() => attempts.length === 2, 10_000);
    // Too young to judge on the first look: runs take their lock a moment after they start.
    expect(await watcher.check()).toEqual([]);
    await delay(ABANDONED_CHECK_MS + 100);
    // First sighting of the orphan: only suspected.
    expect(await watcher.check()).toEqual([]);
    await delay(ABANDONED_CHECK_MS);
    // Second sighting: failed, so the queue retries it.
    expect(await watcher.check()).toEqual([orphanId]);
    await waitFor(() => attempts.some((a) => a.deploymentId === 'orphan' && a.attempt === 2), 10_000);
    // The live run is never touched, however often the watcher looks.
    for (let i = 0; i < 3; i++) {
      await delay(ABANDONED_CHECK_MS);
      expect(await watcher.check()).toEqual([]);
    }
    expect(attempts.filter((a) => a.deploymentId === 'alive')).toEqual([
      { deploymentId: 'alive', attempt: 1 },
    ]);
    expect((await locks.heldAnywhere([deploymentLockName('alive'), deploymentLockName('orphan')])).size).toBe(
      1,
    );
  });
});
