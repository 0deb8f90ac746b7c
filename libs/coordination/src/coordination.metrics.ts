import type { Provider } from '@nestjs/common';
import {
  getToken,
  makeCounterProvider,
  makeGaugeProvider,
  makeHistogramProvider,
} from '@willsoto/nestjs-prometheus';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export const LOCK_WAIT_METRIC = 'coordination_lock_wait_seconds';
export const LOCKS_HELD_METRIC = 'coordination_locks_held';
export const LEADER_CHANGES_METRIC = 'coordination_leader_changes_total';
export const LEADER_METRIC = 'coordination_is_leader';
export const QUEUE_DEPTH_METRIC = 'coordination_queue_depth';
export const QUEUE_LATENCY_METRIC = 'coordination_queue_job_latency_seconds';
export const QUEUE_COMPLETED_METRIC = 'coordination_queue_jobs_completed_total';
export const QUEUE_FAILURES_METRIC = 'coordination_queue_job_failures_total';
export const QUEUE_DEAD_LETTERS_METRIC = 'coordination_queue_dead_letters_total';

type LockWaitLabels = 'kind' | 'outcome';
type QueueDepthLabels = 'queue' | 'state';

const DEFINITIONS = {
  lockWait: {
    name: LOCK_WAIT_METRIC,
    help: 'Time spent waiting for a distributed lock, by kind (session|transaction) and outcome (acquired|timeout).',
    labelNames: ['kind', 'outcome'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30],
  },
  locksHeld: { name: LOCKS_HELD_METRIC, help: 'Session-level distributed locks held by this process.' },
  leaderChanges: {
    name: LEADER_CHANGES_METRIC,
    help: 'Leadership changes seen by this process, by election and change (elected|lost).',
    labelNames: ['election', 'change'],
  },
  leader: {
    name: LEADER_METRIC,
    help: '1 while this process leads the election, else 0.',
    labelNames: ['election'],
  },
  queueDepth: {
    name: QUEUE_DEPTH_METRIC,
    help: 'Jobs per queue and state (queued: waiting or retrying, active, dead_letter), read at scrape time.',
    labelNames: ['queue', 'state'],
  },
  queueLatency: {
    name: QUEUE_LATENCY_METRIC,
    help: 'Time from enqueue to the end of the handler, per queue and outcome (completed|failed).',
    labelNames: ['queue', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  },
  queueCompleted: {
    name: QUEUE_COMPLETED_METRIC,
    help: 'Jobs whose handler succeeded, per queue.',
    labelNames: ['queue'],
  },
  queueFailures: {
    name: QUEUE_FAILURES_METRIC,
    help: 'Handler failures (each failed attempt), per queue.',
    labelNames: ['queue'],
  },
  queueDeadLetters: {
    name: QUEUE_DEAD_LETTERS_METRIC,
    help: 'Jobs moved to their dead-letter queue after their last attempt failed, per queue.',
    labelNames: ['queue'],
  },
} as const;

/** Per-queue job counts, for the depth gauge. */
export type QueueDepths = Readonly<Record<string, { queued: number; active: number; deadLetter: number }>>;

/**
 * The instruments of the coordination primitives. The Nest module registers them in the
 * application's registry; processes without Nest (tests, benches) use {@link standalone}.
 */
export class CoordinationMetrics {
  private depthSource: (() => Promise<QueueDepths>) | undefined;

  constructor(
    readonly lockWait: Histogram<LockWaitLabels>,
    readonly locksHeld: Gauge,
    readonly leaderChanges: Counter<'election' | 'change'>,
    readonly leader: Gauge<'election'>,
    readonly queueDepth: Gauge<QueueDepthLabels>,
    readonly queueLatency: Histogram<'queue' | 'outcome'>,
    readonly queueCompleted: Counter<'queue'>,
    readonly queueFailures: Counter<'queue'>,
    readonly queueDeadLetters: Counter<'queue'>,
  ) {
    // The depth is read from the database when Prometheus scrapes, not kept up to date in between.
    Object.assign(queueDepth, { collect: () => this.collectDepth() });
  }

  /** Instruments in a registry of their own (default: a fresh one), for code running without Nest. */
  static standalone(registry = new Registry()): CoordinationMetrics {
    const registers = [registry];
    return new CoordinationMetrics(
      new Histogram({
        ...DEFINITIONS.lockWait,
        labelNames: [...DEFINITIONS.lockWait.labelNames],
        buckets: [...DEFINITIONS.lockWait.buckets],
        registers,
      }),
      new Gauge({ ...DEFINITIONS.locksHeld, registers }),
      new Counter({
        ...DEFINITIONS.leaderChanges,
        labelNames: [...DEFINITIONS.leaderChanges.labelNames],
        registers,
      }),
      new Gauge({ ...DEFINITIONS.leader, labelNames: [...DEFINITIONS.leader.labelNames], registers }),
      new Gauge({ ...DEFINITIONS.queueDepth, labelNames: [...DEFINITIONS.queueDepth.labelNames], registers }),
      new Histogram({
        ...DEFINITIONS.queueLatency,
        labelNames: [...DEFINITIONS.queueLatency.labelNames],
        buckets: [...DEFINITIONS.queueLatency.buckets],
        registers,
      }),
      new Counter({
        ...DEFINITIONS.queueCompleted,
        labelNames: [...DEFINITIONS.queueCompleted.labelNames],
        registers,
      }),
      new Counter({
        ...DEFINITIONS.queueFailures,
        labelNames: [...DEFINITIONS.queueFailures.labelNames],
        registers,
      }),
      new Counter({
        ...DEFINITIONS.queueDeadLetters,
        labelNames: [...DEFINITIONS.queueDeadLetters.labelNames],
        registers,
      }),
    );
  }

  /** Where the depth gauge reads the queues from (the job queue sets itself once it runs). */
  setQueueDepthSource(source: (() => Promise<QueueDepths>) | undefined): void {
    this.depthSource = source;
  }

  private async collectDepth(): Promise<void> {
    const source = this.depthSource;
    if (source === undefined) return;
    let depths: QueueDepths;
    try {
      depths = await source();
    } catch {
      // A scrape must not fail because the database is briefly unreachable; the series go stale.
      return;
    }
    this.queueDepth.reset();
    for (const [queue, d] of Object.entries(depths)) {
      this.queueDepth.set({ queue, state: 'queued' }, d.queued);
      this.queueDepth.set({ queue, state: 'active' }, d.active);
      this.queueDepth.set({ queue, state: 'dead_letter' }, d.deadLetter);
    }
  }
}

/** Registers the instruments in the application's registry and builds {@link CoordinationMetrics}. */
export function coordinationMetricProviders(): Provider[] {
  const d = DEFINITIONS;
  return [
    makeHistogramProvider({
      ...d.lockWait,
      labelNames: [...d.lockWait.labelNames],
      buckets: [...d.lockWait.buckets],
    }),
    makeGaugeProvider({ ...d.locksHeld }),
    makeCounterProvider({ ...d.leaderChanges, labelNames: [...d.leaderChanges.labelNames] }),
    makeGaugeProvider({ ...d.leader, labelNames: [...d.leader.labelNames] }),
    makeGaugeProvider({ ...d.queueDepth, labelNames: [...d.queueDepth.labelNames] }),
    makeHistogramProvider({
      ...d.queueLatency,
      labelNames: [...d.queueLatency.labelNames],
      buckets: [...d.queueLatency.buckets],
    }),
    makeCounterProvider({ ...d.queueCompleted, labelNames: [...d.queueCompleted.labelNames] }),
    makeCounterProvider({ ...d.queueFailures, labelNames: [...d.queueFailures.labelNames] }),
    makeCounterProvider({ ...d.queueDeadLetters, labelNames: [...d.queueDeadLetters.labelNames] }),
    {
      provide: CoordinationMetrics,
      inject: [
        getToken(LOCK_WAIT_METRIC),
        getToken(LOCKS_HELD_METRIC),
        getToken(LEADER_CHANGES_METRIC),
        getToken(LEADER_METRIC),
        getToken(QUEUE_DEPTH_METRIC),
        getToken(QUEUE_LATENCY_METRIC),
        getToken(QUEUE_COMPLETED_METRIC),
        getToken(QUEUE_FAILURES_METRIC),
        getToken(QUEUE_DEAD_LETTERS_METRIC),
      ],
      useFactory: (
        lockWait: Histogram<LockWaitLabels>,
        locksHeld: Gauge,
        leaderChanges: Counter<'election' | 'change'>,
        leader: Gauge<'election'>,
        queueDepth: Gauge<QueueDepthLabels>,
        queueLatency: Histogram<'queue' | 'outcome'>,
        queueCompleted: Counter<'queue'>,
        queueFailures: Counter<'queue'>,
        queueDeadLetters: Counter<'queue'>,
      ) =>
        new CoordinationMetrics(
          lockWait,
          locksHeld,
          leaderChanges,
          leader,
          queueDepth,
          queueLatency,
          queueCompleted,
          queueFailures,
          queueDeadLetters,
        ),
    },
  ];
}
