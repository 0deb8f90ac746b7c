import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  Patch,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Role, type Principal } from '@hotswap/contracts';
import { Idempotent, IdempotencyExempt } from '@hotswap/coordination';
import { ApiProblems, CurrentPrincipal, Roles } from '@hotswap/http';
import {
  AllPathsQueryDto,
  CreateEntityDto,
  CreateRelationshipDto,
  CreateSchemaDto,
  DirectionQueryDto,
  EntityIdParams,
  GraphQueryDto,
  ImpactQueryDto,
  NeighborsQueryDto,
  SchemaVersionParams,
  ShortestPathQueryDto,
  UpdateEntityDto,
} from './dto/graph.dto';
import {
  EntityResponseDto,
  GraphStatsDto,
  NeighborhoodDto,
  PathDto,
  PathListDto,
  QueryResultDto,
  RelationshipListDto,
  RelationshipResponseDto,
  SchemaListDto,
  SchemaResponseDto,
} from './dto/graph.response.dto';
import { toEntityDto, toPathDto, toRelationshipDto } from './graph.mapper';
import { GraphService, type GraphSchemaView } from './graph.service';
import { GraphRepository } from './graph.repository';
import { GraphQueryEngine } from './query/query-engine';
import { QUERY_LIMITS, type FilterOperator } from './query/query.types';
import { ImpactService, type ImpactReport } from './topology/impact.service';
import { TopologyMirror } from './topology/topology-mirror';
import { SnapshotStore } from './traversal/snapshot-store';
import { TraversalService } from './traversal/traversal.service';

const toSchemaDto = (s: GraphSchemaView): SchemaResponseDto => ({
  version: s.version,
  definition: s.definition as unknown as Record<string, unknown>,
  createdBy: s.createdBy,
  createdAt: s.createdAt.toISOString(),
});

@ApiTags('graph')
@Controller('graph')
export class GraphController {
  constructor(
    @Inject(GraphService) private readonly graph: GraphService,
    @Inject(GraphRepository) private readonly repository: GraphRepository,
    @Inject(GraphQueryEngine) private readonly engine: GraphQueryEngine,
    @Inject(TraversalService) private readonly traversal: TraversalService,
    @Inject(SnapshotStore) private readonly snapshots: SnapshotStore,
    @Inject(TopologyMirror) private readonly mirror: TopologyMirror,
    @Inject(ImpactService) private readonly impacts: ImpactService,
  ) {}

  @Post('entities')
  @Roles(Role.Deployer)
  @Idempotent()
  @ApiOperation({
    operationId: 'createGraphEntity',
    summary: 'Create an entity (validated against the latest schema).',
  })
  @ApiCreatedResponse({ type: EntityResponseDto })
  @ApiProblems(400, 415)
  async createEntity(
    @Body() body: CreateEntityDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EntityResponseDto> {
    return toEntityDto(await this.graph.createEntity(body.type, body.properties, principal));
  }

  @Get('entities/:id')
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'getGraphEntity', summary: 'One entity.' })
  @ApiOkResponse({ type: EntityResponseDto })
  @ApiProblems(400, 404)
  async getEntity(@Param() params: EntityIdParams): Promise<EntityResponseDto> {
    return toEntityDto(await this.graph.getEntity(params.id));
  }

  @Patch('entities/:id')
  @Idempotent()
  @Roles(Role.Deployer)
  @ApiOperation({
    operationId: 'updateGraphEntity',
    summary: 'Replace the properties; `version` must be current (409 otherwise).',
  })
  @ApiOkResponse({ type: EntityResponseDto })
  @ApiProblems(400, 404, 409, 415)
  async updateEntity(
    @Param() params: EntityIdParams,
    @Body() body: UpdateEntityDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EntityResponseDto> {
    return toEntityDto(await this.graph.updateEntity(params.id, body.version, body.properties, principal));
  }

  @Delete('entities/:id')
  @Idempotent()
  @HttpCode(HttpStatus.NO_CONTENT)
  @Roles(Role.Deployer)
  @ApiOperation({ operationId: 'deleteGraphEntity', summary: 'Delete an entity and its relationships.' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404, 409)
  async deleteEntity(@Param() params: EntityIdParams): Promise<void> {
    await this.graph.deleteEntity(params.id);
  }

  @Get('entities/:id/relationships')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'listGraphEntityRelationships',
    summary: 'Relationships of an entity by direction.',
  })
  @ApiOkResponse({ type: RelationshipListDto })
  @ApiProblems(400, 404)
  async relationshipsOf(
    @Param() params: EntityIdParams,
    @Query() query: DirectionQueryDto,
  ): Promise<RelationshipListDto> {
    const items = await this.graph.relationshipsOf(params.id, query.direction ?? 'both', 1000);
    return { items: items.map(toRelationshipDto) };
  }

  @Get('entities/:id/neighbors')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getGraphNeighbors',
    summary: 'Entities within `depth` hops (k-hop neighbourhood).',
  })
  @ApiOkResponse({ type: NeighborhoodDto })
  @ApiProblems(400, 404)
  async neighbors(
    @Param() params: EntityIdParams,
    @Query() query: NeighborsQueryDto,
  ): Promise<NeighborhoodDto> {
    const types =
      query.types === undefined
        ? undefined
        : query.types
            .split(',')
            .map((t) => t.trim())
            .filter((t) => t !== '');
    const result = await this.traversal.neighbours(
      params.id,
      query.depth ?? 1,
      query.direction ?? 'both',
      types,
    );
    return {
      entities: result.entities.map(toEntityDto),
      relationships: result.relationships.map(toRelationshipDto),
    };
  }

  @Post('relationships')
  @Roles(Role.Deployer)
  @Idempotent()
  @ApiOperation({
    operationId: 'createGraphRelationship',
    summary: 'Create a relationship (weight ≥ 0; endpoint types per schema).',
  })
  @ApiCreatedResponse({ type: RelationshipResponseDto })
  @ApiProblems(400, 415)
  async createRelationship(
    @Body() body: CreateRelationshipDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<RelationshipResponseDto> {
    return toRelationshipDto(await this.graph.createRelationship(body, principal));
  }

  @Get('relationships/:id')
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'getGraphRelationship', summary: 'One relationship.' })
  @ApiOkResponse({ type: RelationshipResponseDto })
  @ApiProblems(400, 404)
  async getRelationship(@Param() params: EntityIdParams): Promise<RelationshipResponseDto> {
    return toRelationshipDto(await this.graph.getRelationship(params.id));
  }

  @Delete('relationships/:id')
  @Idempotent()
  @HttpCode(HttpStatus.NO_CONTENT)
  @Roles(Role.Deployer)
  @ApiOperation({ operationId: 'deleteGraphRelationship', summary: 'Delete a relationship.' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404, 409)
  async deleteRelationship(@Param() params: EntityIdParams): Promise<void> {
    await this.graph.deleteRelationship(params.id);
  }

  @Post('schemas')
  @Roles(Role.Deployer)
  @Idempotent()
  @ApiOperation({
    operationId: 'createGraphSchema',
    summary: 'Publish a schema version (newer than the latest); enforced from now on.',
  })
  @ApiCreatedResponse({ type: SchemaResponseDto })
  @ApiProblems(400, 409, 415)
  async createSchema(
    @Body() body: CreateSchemaDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<SchemaResponseDto> {
    return toSchemaDto(await this.graph.createSchema(body.version, body.definition, principal));
  }

  @Get('schemas')
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'listGraphSchemas', summary: 'Schema versions, newest first.' })
  @ApiOkResponse({ type: SchemaListDto })
  async listSchemas(): Promise<SchemaListDto> {
    return { items: (await this.graph.listSchemas()).map(toSchemaDto) };
  }

  @Get('schemas/:version')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getGraphSchema',
    summary: 'One schema version; `latest` is the enforced one.',
  })
  @ApiOkResponse({ type: SchemaResponseDto })
  @ApiProblems(400, 404)
  async getSchema(@Param() params: SchemaVersionParams): Promise<SchemaResponseDto> {
    return toSchemaDto(await this.graph.getSchema(params.version));
  }

  @Get('paths/shortest')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getGraphShortestPath',
    summary: 'Shortest path: Dijkstra on weights, or fewest hops with weighted=false.',
  })
  @ApiOkResponse({ type: PathDto })
  @ApiProblems(400, 404)
  async shortest(@Query() query: ShortestPathQueryDto): Promise<PathDto> {
    return toPathDto(
      await this.traversal.shortest(
        query.from,
        query.to,
        query.weighted ?? true,
        query.direction ?? 'outgoing',
      ),
    );
  }

  @Get('paths/all')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getGraphAllPaths',
    summary: 'Simple paths (no entity twice) up to maxDepth hops.',
  })
  @ApiOkResponse({ type: PathListDto })
  @ApiProblems(400, 404)
  async all(@Query() query: AllPathsQueryDto): Promise<PathListDto> {
    const paths = await this.traversal.all(
      query.from,
      query.to,
      query.maxDepth ?? 5,
      query.limit ?? 100,
      query.direction ?? 'outgoing',
    );
    return { paths: paths.map(toPathDto) };
  }

  @Post('query')
  @IdempotencyExempt('a read: the query changes nothing, and answers must reflect the current graph')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'queryGraph',
    summary: 'Filter entities and relationship patterns; answers with the executed plan.',
  })
  @ApiOkResponse({ type: QueryResultDto })
  @ApiProblems(400, 415, 503)
  async query(@Body() body: GraphQueryDto): Promise<QueryResultDto> {
    const result = await this.engine.run({
      ...(body.entityType === undefined ? {} : { entityType: body.entityType }),
      filters: (body.filters ?? []).map((f) => ({
        property: f.property,
        operator: f.operator as FilterOperator,
        value: f.value,
      })),
      relationshipPatterns: (body.relationshipPatterns ?? []).map((p) => ({
        ...(p.type === undefined ? {} : { type: p.type }),
        direction: p.direction ?? 'Outgoing',
        ...(p.targetEntityType === undefined ? {} : { targetEntityType: p.targetEntityType }),
        targetFilters: (p.targetFilters ?? []).map((f) => ({
          property: f.property,
          operator: f.operator as FilterOperator,
          value: f.value,
        })),
        ...(p.minWeight === undefined ? {} : { minWeight: p.minWeight }),
        ...(p.maxWeight === undefined ? {} : { maxWeight: p.maxWeight }),
      })),
      maxDepth: body.maxDepth ?? 1,
      pageSize: body.pageSize ?? QUERY_LIMITS.defaultPageSize,
      skip: body.skip ?? 0,
      timeoutMs: body.timeoutMs ?? QUERY_LIMITS.defaultTimeoutMs,
    });
    return {
      entities: result.entities.map(toEntityDto),
      relationships: result.relationships.map(toRelationshipDto),
      totalCount: result.totalCount,
      plan: result.plan as unknown as Record<string, unknown>,
      fromCache: result.fromCache,
    };
  }

  @Get('stats')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getGraphStats',
    summary: 'Query cache hits and misses, generation, snapshot and statistics.',
  })
  @ApiOkResponse({ type: GraphStatsDto })
  async stats(): Promise<GraphStatsDto> {
    const cache = this.engine.cache;
    const snapshot = this.snapshots.loaded;
    const statistics = this.engine.currentStatistics;
    return {
      generation: await this.repository.generation(),
      cache: {
        hits: cache.hits,
        misses: cache.misses,
        entries: cache.size,
        hitRate: cache.hits + cache.misses === 0 ? 0 : cache.hits / (cache.hits + cache.misses),
      },
      snapshot:
        snapshot === null
          ? null
          : {
              generation: snapshot.generation,
              entities: snapshot.entityCount,
              relationships: snapshot.relationshipCount,
              loads: this.snapshots.loads,
              lastLoadMs: this.snapshots.lastLoadMs,
            },
      statistics:
        statistics === null
          ? null
          : {
              analyzedAt: statistics.analyzedAt.toISOString(),
              totalEntities: statistics.totalEntities,
              sampledRows: statistics.sampledRows,
            },
    };
  }

  @Post('topology/rebuild')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Admin)
  @Idempotent()
  @ApiOperation({
    operationId: 'rebuildGraphTopology',
    summary: 'Rebuild the topology mirror from the source tables (idempotent).',
  })
  @ApiOkResponse({
    schema: { type: 'object', properties: { changed: { type: 'integer' }, cursor: { type: 'integer' } } },
  })
  rebuild(): Promise<{ changed: number; cursor: number }> {
    return this.mirror.rebuild();
  }

  @Get('impact')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getGraphImpact',
    summary:
      'Environments and nodes running a module, its transitive dependents (with ranges), and active deployments touching them.',
  })
  @ApiOkResponse({ schema: { type: 'object', additionalProperties: true } })
  @ApiProblems(400)
  impact(@Query() query: ImpactQueryDto): Promise<ImpactReport> {
    return this.impacts.impactOf(query.module, query.version ?? null);
  }
}
