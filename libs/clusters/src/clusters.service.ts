import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Clock } from '@hotswap/contracts';
import { RequestValidationError } from '@hotswap/http';
import type { EnvironmentEntity } from './entities/environment.entity';
import { EnvironmentsService } from './environments.service';
import { MetricsRepository, type MetricBucket } from './metrics.repository';
import { clusterIsHealthy } from './node-status';
import { NodesRepository } from './nodes.repository';
import { latestMetrics, NodesService, type NodeView } from './nodes.service';

export const METRIC_INTERVALS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000 } as const;
export type MetricInterval = keyof typeof METRIC_INTERVALS;
/** Most buckets one metrics request may span. */
export const MAX_METRIC_POINTS = 1_000;

export interface ClusterSummary {
  readonly environment: string;
  readonly totalNodes: number;
  readonly healthyNodes: number;
  readonly unhealthyNodes: number;
  readonly isHealthy: boolean;
}

export interface ClusterAggregates {
  readonly avgCpuUsage: number;
  readonly avgMemoryUsage: number;
  readonly avgLatency: number;
  readonly errorRate: number;
  readonly requestsPerSecond: number;
}

export interface ClusterDetail extends ClusterSummary {
  readonly metrics: ClusterAggregates;
  readonly nodes: NodeView[];
}

const avg = (values: number[]) =>
  values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;

/** The clusters view of the original API (one cluster per environment), computed from stored samples. */
@Injectable()
export class ClustersService {
  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(EnvironmentsService) private readonly environments: EnvironmentsService,
    @Inject(NodesRepository) private readonly nodes: NodesRepository,
    @Inject(NodesService) private readonly nodesService: NodesService,
    @Inject(MetricsRepository) private readonly metrics: MetricsRepository,
  ) {}

  private cutoff(): Date {
    return new Date(this.clock.now().getTime() - this.config.fleet.heartbeatTimeoutMs);
  }

  async list(): Promise<ClusterSummary[]> {
    const [envs, counts] = await Promise.all([
      this.environments.list(),
      this.nodes.countsByEnvironment(this.cutoff()),
    ]);
    const byEnv = new Map(counts.map((c) => [c.environmentId, c]));
    return envs.map((env) =>
      this.summary(env, byEnv.get(env.id)?.total ?? 0, byEnv.get(env.id)?.healthy ?? 0),
    );
  }

  private summary(env: EnvironmentEntity, total: number, healthy: number): ClusterSummary {
    return {
      environment: env.name,
      totalNodes: total,
      healthyNodes: healthy,
      unhealthyNodes: total - healthy,
      isHealthy: clusterIsHealthy(total, healthy),
    };
  }

  /**
   * One cluster with its nodes. `metrics` aggregates the latest sample of every node that has
   * reported: mean cpu, memory, latency and error rate; total requests per second.
   */
  async detail(name: string): Promise<ClusterDetail> {
    const env = await this.environments.get(name);
    const views = await this.nodesService.views(await this.nodes.inEnvironment(env.id));
    const samples = views.map((v) => latestMetrics(v.node)).filter((m) => m !== null);
    const healthy = views.filter((v) => v.healthy).length;
    return {
      ...this.summary(env, views.length, healthy),
      metrics: {
        avgCpuUsage: avg(samples.map((m) => m.cpuPercent)),
        avgMemoryUsage: avg(samples.map((m) => m.memoryPercent)),
        avgLatency: avg(samples.map((m) => m.latencyP95Ms)),
        errorRate: avg(samples.map((m) => m.errorRate)),
        requestsPerSecond: samples.reduce((sum, m) => sum + m.requestsPerSecond, 0),
      },
      nodes: views,
    };
  }

  /** Time buckets of the environment's samples over [from, to); `from < to`, at most MAX_METRIC_POINTS buckets. */
  async series(
    name: string,
    query: { from?: Date; to?: Date; interval?: MetricInterval },
  ): Promise<{ environment: string; interval: MetricInterval; buckets: MetricBucket[] }> {
    const interval = query.interval ?? '5m';
    const intervalMs = METRIC_INTERVALS[interval];
    const to = query.to ?? this.clock.now();
    const from = query.from ?? new Date(to.getTime() - 3_600_000);
    if (from.getTime() >= to.getTime()) {
      throw new RequestValidationError([{ field: 'from', message: 'from must be earlier than to' }]);
    }
    const points = Math.ceil((to.getTime() - from.getTime()) / intervalMs);
    if (points > MAX_METRIC_POINTS) {
      throw new RequestValidationError([
        {
          field: 'interval',
          message: `the range spans ${points} buckets of ${interval}; at most ${MAX_METRIC_POINTS} are allowed`,
        },
      ]);
    }
    const env = await this.environments.get(name);
    return {
      environment: env.name,
      interval,
      buckets: await this.metrics.buckets(env.id, from, to, intervalMs),
    };
  }
}
