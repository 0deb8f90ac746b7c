import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Clock } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { getToken, makeCounterProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { BatchWriter } from './batch-writer';
import { MetricsRepository } from './metrics.repository';
import { NodeTransitions } from './node-transitions';
import { statusFromMetrics, type NodeMetrics } from './node-status';
import { NodesRepository, type HeartbeatRow } from './nodes.repository';

export const HEARTBEAT_INGEST_METRIC = 'hotswap_heartbeat_ingest_seconds';
export const HEARTBEATS_METRIC = 'hotswap_heartbeats_total';
export const HEARTBEAT_FLUSH_METRIC = 'hotswap_heartbeat_flush_seconds';

export const heartbeatFlushHistogram = makeHistogramProvider({
  name: HEARTBEAT_FLUSH_METRIC,
  help: 'Duration of one batched heartbeat write (samples, node updates, events: one transaction).',
  buckets: [0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1],
});

export const heartbeatIngestHistogram = makeHistogramProvider({
  name: HEARTBEAT_INGEST_METRIC,
  help: 'Time from receiving a heartbeat to committing it (batched write).',
  buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2.5, 5],
});

export const heartbeatCounter = makeCounterProvider({
  name: HEARTBEATS_METRIC,
  help: 'Heartbeats committed, by node kind.',
  labelNames: ['kind'],
});

/** One heartbeat as the ingestion path takes it, from an agent's socket or the simulated fleet. */
export interface Heartbeat {
  readonly nodeId: string;
  readonly environmentId: string;
  readonly kind: 'agent' | 'simulated';
  readonly metrics: NodeMetrics;
}

interface Received extends Heartbeat {
  readonly at: Date;
  readonly receivedAt: bigint;
}

const MAX_BATCH = 5_000;
const DEADLOCK = '40P01';

/**
 * The one ingestion path for heartbeats. Heartbeats are buffered and written every
 * METRICS_FLUSH_INTERVAL_MS in one transaction: a multi-row insert of the samples, one UPDATE of the
 * nodes' latest metrics and status (computed by the shared health rule), and the events and audit
 * records of the nodes whose status changed. A thousand heartbeats a second cost five transactions.
 */
@Injectable()
export class HeartbeatIngestor implements OnApplicationShutdown {
  private readonly logger = new Logger('HeartbeatIngestor');
  private readonly writer: BatchWriter<Received>;

  constructor(
    @Inject(AppConfig) config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(Database) private readonly database: Database,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(MetricsRepository) private readonly metrics: MetricsRepository,
    @Inject(NodeTransitions) private readonly transitions: NodeTransitions,
    @Inject(getToken(HEARTBEAT_INGEST_METRIC)) private readonly latency: Histogram,
    @Inject(getToken(HEARTBEATS_METRIC)) private readonly counter: Counter,
    @Inject(getToken(HEARTBEAT_FLUSH_METRIC)) private readonly flushTime: Histogram,
  ) {
    this.writer = new BatchWriter<Received>({
      flushIntervalMs: config.fleet.metricsFlushIntervalMs,
      maxBatch: MAX_BATCH,
      write: (batch) => this.write(batch),
      onError: (error, size) => this.logger.error({ msg: 'heartbeat batch failed', size, err: error }),
    });
  }

  /** Buffers a heartbeat; resolves once it is committed. */
  ingest(heartbeat: Heartbeat): Promise<void> {
    return this.writer.add({ ...heartbeat, at: this.clock.now(), receivedAt: process.hrtime.bigint() });
  }

  /** Writes what is buffered now (tests, shutdown). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.writer.close().catch(() => undefined);
  }

  private async write(batch: Received[]): Promise<void> {
    const latest = new Map<string, HeartbeatRow>();
    for (const hb of batch) {
      const { status, reason } = statusFromMetrics(hb.metrics);
      latest.set(hb.nodeId, { nodeId: hb.nodeId, at: hb.at, metrics: hb.metrics, status, reason });
    }
    const writeStarted = process.hrtime.bigint();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.database.transaction(async () => {
          await this.metrics.insertMany(batch);
          const changed = await this.nodes.applyHeartbeats([...latest.values()]);
          await this.transitions.record(changed, null, 'heartbeat');
        });
        break;
      } catch (error) {
        // A sweep on another replica may lock the same rows in another order; retry once.
        if (attempt < 2 && (error as { code?: unknown }).code === DEADLOCK) continue;
        throw error;
      }
    }
    const now = process.hrtime.bigint();
    this.flushTime.observe(Number(now - writeStarted) / 1e9);
    let agents = 0;
    for (const hb of batch) {
      this.latency.observe(Number(now - hb.receivedAt) / 1e9);
      if (hb.kind === 'agent') agents++;
    }
    if (agents > 0) this.counter.inc({ kind: 'agent' }, agents);
    if (batch.length > agents) this.counter.inc({ kind: 'simulated' }, batch.length - agents);
  }
}
