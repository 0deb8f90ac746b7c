import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { queryRows } from './sql';
import type { NodeMetrics } from './node-status';

export interface MetricSample {
  readonly nodeId: string;
  readonly environmentId: string;
  readonly at: Date;
  readonly metrics: NodeMetrics;
}

export interface MetricBucket {
  /** Start of the bucket (a multiple of the interval since the epoch). */
  readonly start: Date;
  readonly samples: number;
  readonly cpuPercent: number;
  readonly memoryPercent: number;
  readonly latencyP95Ms: number;
  readonly errorRate: number;
  readonly requestsPerSecond: number;
}

export interface NodeWindowAverage extends NodeMetrics {
  readonly nodeId: string;
  readonly samples: number;
}

interface AvgRaw {
  samples: number;
  cpu: number;
  mem: number;
  lat: number;
  err: number;
  rps: number;
}

/** Heartbeat metric history: batched inserts, window averages and time buckets. */
@Injectable()
export class MetricsRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  private query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return queryRows<T>(this.database, sql, params);
  }

  /** Inserts many samples in one statement (arrays, so the parameter count does not grow). */
  async insertMany(samples: readonly MetricSample[]): Promise<void> {
    if (samples.length === 0) return;
    await this.query(
      `INSERT INTO node_metric_samples (node_id, environment_id, at, cpu_percent, memory_percent,
                                        latency_p95_ms, error_rate, requests_per_second)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::float8[], $5::float8[],
                            $6::float8[], $7::float8[], $8::float8[])`,
      [
        samples.map((s) => s.nodeId),
        samples.map((s) => s.environmentId),
        samples.map((s) => s.at.toISOString()),
        samples.map((s) => s.metrics.cpuPercent),
        samples.map((s) => s.metrics.memoryPercent),
        samples.map((s) => s.metrics.latencyP95Ms),
        samples.map((s) => s.metrics.errorRate),
        samples.map((s) => s.metrics.requestsPerSecond),
      ],
    );
  }

  /** Averages per bucket of `intervalMs` over [from, to), for one environment; empty buckets omitted. */
  async buckets(environmentId: string, from: Date, to: Date, intervalMs: number): Promise<MetricBucket[]> {
    const rows = await this.query<AvgRaw & { bucket: string }>(
      `SELECT floor(extract(epoch FROM at) * 1000 / $4)::bigint AS bucket, count(*)::int AS samples,
              avg(cpu_percent) AS cpu, avg(memory_percent) AS mem, avg(latency_p95_ms) AS lat,
              avg(error_rate) AS err, avg(requests_per_second) AS rps
       FROM node_metric_samples
       WHERE environment_id = $1 AND at >= $2 AND at < $3
       GROUP BY 1 ORDER BY 1`,
      [environmentId, from.toISOString(), to.toISOString(), intervalMs],
    );
    return rows.map((r) => ({
      start: new Date(Number(r.bucket) * intervalMs),
      samples: r.samples,
      cpuPercent: Number(r.cpu),
      memoryPercent: Number(r.mem),
      latencyP95Ms: Number(r.lat),
      errorRate: Number(r.err),
      requestsPerSecond: Number(r.rps),
    }));
  }

  /** Per-node averages over [from, to) — what canary analysis compares. Nodes without samples are absent. */
  async windowAverages(nodeIds: readonly string[], from: Date, to: Date): Promise<NodeWindowAverage[]> {
    if (nodeIds.length === 0) return [];
    const rows = await this.query<AvgRaw & { node_id: string }>(
      `SELECT node_id, count(*)::int AS samples, avg(cpu_percent) AS cpu, avg(memory_percent) AS mem,
              avg(latency_p95_ms) AS lat, avg(error_rate) AS err, avg(requests_per_second) AS rps
       FROM node_metric_samples
       WHERE node_id = ANY($1::uuid[]) AND at >= $2 AND at < $3
       GROUP BY node_id`,
      [nodeIds, from.toISOString(), to.toISOString()],
    );
    return rows.map((r) => ({
      nodeId: r.node_id,
      samples: r.samples,
      cpuPercent: Number(r.cpu),
      memoryPercent: Number(r.mem),
      latencyP95Ms: Number(r.lat),
      errorRate: Number(r.err),
      requestsPerSecond: Number(r.rps),
    }));
  }

  /** Deletes samples older than `cutoff` in bounded chunks; returns how many were deleted. */
  async deleteOlderThan(cutoff: Date, chunk = 10_000): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.query<{ n: number }>(
        `WITH doomed AS (SELECT id FROM node_metric_samples WHERE at < $1 LIMIT $2)
         , gone AS (DELETE FROM node_metric_samples s USING doomed WHERE s.id = doomed.id RETURNING 1)
         SELECT count(*)::int AS n FROM gone`,
        [cutoff.toISOString(), chunk],
      );
      const n = rows[0]?.n ?? 0;
      total += n;
      if (n < chunk) return total;
    }
  }
}
