// The queues of the queue acceptance test, shared by the worker fixture and the test.
import { defineQueue, type JobQueueSettings } from '@hotswap/coordination';

export const LEDGER_QUEUE = defineQueue<{ key: string; amount: number }>('acceptance-ledger', {
  // A killed worker's jobs come back after this (plus a supervise pass).
  timeoutSeconds: 3,
  retryLimit: 5,
  retryDelaySeconds: 1,
  retryDelayMaxSeconds: 2,
});

/** Short delays so the test can time them: retries wait 1–2 s, 2–4 s, then 4 s (capped). */
export const FAILING_QUEUE = defineQueue<{ key: string }>('acceptance-failing', {
  retryLimit: 3,
  retryDelaySeconds: 1,
  retryDelayMaxSeconds: 4,
  timeoutSeconds: 30,
});

export const QUEUE_SETTINGS: Omit<JobQueueSettings, 'url'> = {
  poolSize: 4,
  embedded: false,
  retry: { retryLimit: 5, retryDelaySeconds: 2, retryDelayMaxSeconds: 32 },
  jobTimeoutSeconds: 300,
  pollingIntervalMs: 500,
  superviseIntervalSeconds: 1,
};
