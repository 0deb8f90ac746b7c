import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role } from '@hotswap/contracts';
import { ApiProblems, Roles } from '@hotswap/http';
import {
  ClusterDetailDto,
  ClusterMetricsQueryDto,
  ClusterMetricsResponseDto,
  ClusterSummaryDto,
} from './dto/cluster.dto';
import { EnvironmentNameParams } from './dto/environment.dto';
import { ClustersService } from './clusters.service';
import { toClusterNode } from './node.mapper';

/** The original system's clusters view, same paths and shapes, computed from real samples. */
@ApiTags('clusters')
@Controller('clusters')
export class ClustersController {
  constructor(@Inject(ClustersService) private readonly clusters: ClustersService) {}

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'listClusters',
    summary: 'Every environment’s node counts and health, by rank.',
  })
  @ApiOkResponse({ type: [ClusterSummaryDto] })
  list(): Promise<ClusterSummaryDto[]> {
    return this.clusters.list();
  }

  @Get(':name')
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'getCluster', summary: 'One environment’s nodes and aggregate metrics.' })
  @ApiOkResponse({ type: ClusterDetailDto })
  @ApiProblems(400, 404)
  async get(@Param() params: EnvironmentNameParams): Promise<ClusterDetailDto> {
    const detail = await this.clusters.detail(params.name);
    return { ...detail, nodes: detail.nodes.map(toClusterNode) };
  }

  @Get(':name/metrics')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getClusterMetrics',
    summary: 'Time buckets (1m, 5m, 15m, 1h) of the environment’s heartbeat samples over [from, to).',
  })
  @ApiOkResponse({ type: ClusterMetricsResponseDto })
  @ApiProblems(400, 404)
  async metrics(
    @Param() params: EnvironmentNameParams,
    @Query() query: ClusterMetricsQueryDto,
  ): Promise<ClusterMetricsResponseDto> {
    const series = await this.clusters.series(params.name, {
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
      interval: query.interval,
    });
    return {
      environment: series.environment,
      interval: series.interval,
      dataPoints: series.buckets.map((b) => ({
        timestamp: b.start.toISOString(),
        cpuUsage: b.cpuPercent,
        memoryUsage: b.memoryPercent,
        latency: b.latencyP95Ms,
        errorRate: b.errorRate,
        requestsPerSecond: b.requestsPerSecond,
        samples: b.samples,
      })),
    };
  }
}
