// A worker process of the job queue. Ledger jobs: an idempotent handler (the ledger row and the
// effect commit together, once per job key). With FAILING=1 it also works the failing queue, whose
// handler records each attempt and throws.
import 'reflect-metadata';
import { CoordinationMetrics, JobQueue } from '@hotswap/coordination';
import { Pool } from 'pg';
import { emit, fail, required } from './fixture-io';
import { FAILING_QUEUE, LEDGER_QUEUE, QUEUE_SETTINGS } from './queues';

async function main(): Promise<void> {
  const url = required('DATABASE_URL');
  const worker = required('WORKER');
  const pool = new Pool({ connectionString: url, max: 6 });
  pool.on('error', () => undefined);
  const queue = new JobQueue({ ...QUEUE_SETTINGS, url }, undefined, CoordinationMetrics.standalone());
  await queue.start();
  await queue.work(
    LEDGER_QUEUE,
    async (job) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query(
          'INSERT INTO job_deliveries (job_key, job_id, worker, attempt) VALUES ($1, $2, $3, $4)',
          [job.data.key, job.id, worker, job.attempt],
        );
        const first = await client.query(
          'INSERT INTO job_ledger (job_key, job_id, worker) VALUES ($1, $2, $3) ON CONFLICT (job_key) DO NOTHING',
          [job.data.key, job.id, worker],
        );
        if (first.rowCount === 1)
          await client.query('UPDATE effect_total SET total = total + $1', [job.data.amount]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
      // Work takes a moment, so a kill finds jobs in flight.
      await new Promise((resolve) => setTimeout(resolve, Number(process.env.WORK_MS ?? 5)));
    },
    { concurrency: 8, batchSize: 8 },
  );
  if (process.env.FAILING === '1') {
    await queue.work(
      FAILING_QUEUE,
      async (job) => {
        await pool.query('INSERT INTO failure_attempts (job_key, attempt, worker) VALUES ($1, $2, $3)', [
          job.data.key,
          job.attempt,
          worker,
        ]);
        throw new Error(`handler refused ${job.data.key} (attempt ${job.attempt})`);
      },
      { concurrency: 4, batchSize: 1, pollingIntervalMs: 500 },
    );
  }
  emit('ready', { pid: process.pid });
}

main().catch(fail);
