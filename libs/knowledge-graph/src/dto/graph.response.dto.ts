import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class EntityResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() type: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) properties: Record<string, unknown>;
  @ApiProperty({ enum: ['user', 'topology'], description: 'topology: mirrored, read-only here' })
  owner: string;
  @ApiProperty() version: number;
  @ApiProperty() createdBy: string;
  @ApiProperty() updatedBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ description: 'Hops from the start (neighbourhoods)' }) depth?: number;
}

export class RelationshipResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() type: string;
  @ApiProperty({ format: 'uuid' }) sourceEntityId: string;
  @ApiProperty({ format: 'uuid' }) targetEntityId: string;
  @ApiProperty() weight: number;
  @ApiProperty() isDirected: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true }) properties: Record<string, unknown>;
  @ApiProperty({ enum: ['user', 'topology'] }) owner: string;
  @ApiProperty() createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class RelationshipListDto {
  @ApiProperty({ type: [RelationshipResponseDto] }) items: RelationshipResponseDto[];
}

export class PathDto {
  @ApiProperty({ type: [EntityResponseDto] }) entities: EntityResponseDto[];
  @ApiProperty({ type: [RelationshipResponseDto] }) relationships: RelationshipResponseDto[];
  @ApiProperty() totalWeight: number;
  @ApiProperty() hops: number;
}

export class PathListDto {
  @ApiProperty({ type: [PathDto] }) paths: PathDto[];
}

export class NeighborhoodDto {
  @ApiProperty({ type: [EntityResponseDto] }) entities: EntityResponseDto[];
  @ApiProperty({ type: [RelationshipResponseDto] }) relationships: RelationshipResponseDto[];
}

export class QueryResultDto {
  @ApiProperty({ type: [EntityResponseDto] }) entities: EntityResponseDto[];
  @ApiProperty({ type: [RelationshipResponseDto] }) relationships: RelationshipResponseDto[];
  @ApiProperty() totalCount: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The plan the query was executed with',
  })
  plan: Record<string, unknown>;
  @ApiProperty() fromCache: boolean;
}

export class SchemaResponseDto {
  @ApiProperty() version: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) definition: Record<string, unknown>;
  @ApiProperty() createdBy: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class SchemaListDto {
  @ApiProperty({ type: [SchemaResponseDto] }) items: SchemaResponseDto[];
}

export class GraphStatsDto {
  @ApiProperty() generation: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) cache: {
    hits: number;
    misses: number;
    entries: number;
    hitRate: number;
  };
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  snapshot: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  statistics: Record<string, unknown> | null;
}
