import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { METRIC_INTERVALS, type MetricInterval } from '../clusters.service';
import { NODE_STATUSES, type NodeStatus } from '../node-status';

const INTERVALS = Object.keys(METRIC_INTERVALS) as MetricInterval[];

export class ClusterSummaryDto {
  @ApiProperty() environment: string;
  @ApiProperty() totalNodes: number;
  @ApiProperty() healthyNodes: number;
  @ApiProperty({ description: 'Every node not healthy by the health rule (Unknown included).' })
  unhealthyNodes: number;
  @ApiProperty({ description: 'No node unhealthy, or at least 80 % healthy.' }) isHealthy: boolean;
}

export class ClusterMetricsDto {
  @ApiProperty({ description: 'Mean cpu % of the nodes’ latest samples.' }) avgCpuUsage: number;
  @ApiProperty() avgMemoryUsage: number;
  @ApiProperty({ description: 'Mean p95 latency (ms).' }) avgLatency: number;
  @ApiProperty({ description: 'Mean error rate (%).' }) errorRate: number;
  @ApiProperty({ description: 'Sum over the nodes.' }) requestsPerSecond: number;
}

export class ClusterNodeDto {
  @ApiProperty({ format: 'uuid' }) nodeId: string;
  @ApiProperty() hostname: string;
  @ApiProperty({ enum: NODE_STATUSES }) status: NodeStatus;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastHeartbeat: string | null;
  @ApiProperty() healthy: boolean;
  @ApiProperty({ type: Number, nullable: true }) cpuUsage: number | null;
  @ApiProperty({ type: Number, nullable: true }) memoryUsage: number | null;
  @ApiProperty({ type: Number, nullable: true }) latency: number | null;
  @ApiProperty({ type: Number, nullable: true }) errorRate: number | null;
  @ApiProperty({ type: Number, nullable: true }) requestsPerSecond: number | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', nullable: true },
    description: 'module → active version',
  })
  modules: Record<string, string | null>;
}

export class ClusterDetailDto extends ClusterSummaryDto {
  @ApiProperty({ type: ClusterMetricsDto }) metrics: ClusterMetricsDto;
  @ApiProperty({ type: [ClusterNodeDto] }) nodes: ClusterNodeDto[];
}

export class ClusterMetricsQueryDto {
  @ApiPropertyOptional({ format: 'date-time', description: 'Default: now − 1 h.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default: now.' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;

  @ApiPropertyOptional({ enum: INTERVALS, default: '5m' })
  @IsOptional()
  @IsIn(INTERVALS)
  interval?: MetricInterval;
}

export class MetricPointDto {
  @ApiProperty({ type: String, format: 'date-time', description: 'Start of the bucket.' }) timestamp: string;
  @ApiProperty() cpuUsage: number;
  @ApiProperty() memoryUsage: number;
  @ApiProperty() latency: number;
  @ApiProperty() errorRate: number;
  @ApiProperty() requestsPerSecond: number;
  @ApiProperty({ description: 'Heartbeat samples averaged into this bucket.' }) samples: number;
}

export class ClusterMetricsResponseDto {
  @ApiProperty() environment: string;
  @ApiProperty({ enum: INTERVALS }) interval: MetricInterval;
  @ApiProperty({ type: [MetricPointDto], description: 'Buckets with samples, oldest first.' })
  dataPoints: MetricPointDto[];
}
