import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { FILTER_OPERATORS, PATTERN_DIRECTIONS } from '../query/query.types';

export class EntityIdParams {
  @ApiProperty({ format: 'uuid' }) @IsUUID() id: string;
}

export class SchemaVersionParams {
  @ApiProperty({ example: '1.0.0' }) @IsString() @MaxLength(32) version: string;
}

export class CreateEntityDto {
  @ApiProperty({ pattern: '^[A-Za-z0-9_]{1,100}$', example: 'Service' })
  @IsString()
  @MaxLength(100)
  type: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) @IsObject() properties: Record<
    string,
    unknown
  >;
}

export class UpdateEntityDto {
  @ApiProperty({ description: 'The version read; a stale one answers 409.' })
  @IsInt()
  @Min(1)
  version: number;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The new properties (replaced whole).',
  })
  @IsObject()
  properties: Record<string, unknown>;
}

export class CreateRelationshipDto {
  @ApiProperty({ example: 'calls' }) @IsString() @MaxLength(100) type: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() sourceEntityId: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() targetEntityId: string;
  @ApiPropertyOptional({ default: 1, minimum: 0 }) @IsOptional() @IsNumber() weight?: number;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() isDirected?: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsObject()
  properties?: Record<string, unknown>;
}

const DIRECTIONS = ['outgoing', 'incoming', 'both'] as const;
const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : value;

export class DirectionQueryDto {
  @ApiPropertyOptional({ enum: DIRECTIONS, default: 'both' })
  @IsOptional()
  @IsIn(DIRECTIONS)
  direction?: (typeof DIRECTIONS)[number];
}

export class NeighborsQueryDto {
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: 5 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(5)
  depth?: number;
  @ApiPropertyOptional({ enum: DIRECTIONS, default: 'both' })
  @IsOptional()
  @IsIn(DIRECTIONS)
  direction?: (typeof DIRECTIONS)[number];
  @ApiPropertyOptional({ description: 'Comma-separated entity types to return (all are traversed).' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  types?: string;
}

export class ShortestPathQueryDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() from: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() to: string;
  @ApiPropertyOptional({ default: true, description: 'Dijkstra on weights; false: fewest hops (BFS).' })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  weighted?: boolean;
  @ApiPropertyOptional({ enum: DIRECTIONS, default: 'outgoing' })
  @IsOptional()
  @IsIn(DIRECTIONS)
  direction?: (typeof DIRECTIONS)[number];
}

export class AllPathsQueryDto {
  @ApiProperty({ format: 'uuid' }) @IsUUID() from: string;
  @ApiProperty({ format: 'uuid' }) @IsUUID() to: string;
  @ApiPropertyOptional({ default: 5, minimum: 1, maximum: 10 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(10)
  maxDepth?: number;
  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
  @ApiPropertyOptional({ enum: DIRECTIONS, default: 'outgoing' })
  @IsOptional()
  @IsIn(DIRECTIONS)
  direction?: (typeof DIRECTIONS)[number];
}

export class FilterDto {
  @ApiProperty() @IsString() property: string;
  @ApiProperty({ enum: FILTER_OPERATORS }) @IsString() operator: string;
  @ApiPropertyOptional({
    description: 'Any JSON value; an array for In / NotIn; none for IsNull / IsNotNull.',
  })
  @Allow()
  value?: unknown;
}

export class RelationshipPatternDto {
  @ApiPropertyOptional() @IsOptional() @IsString() type?: string;
  @ApiPropertyOptional({ enum: PATTERN_DIRECTIONS, default: 'Outgoing' })
  @IsOptional()
  @IsIn(PATTERN_DIRECTIONS)
  direction?: (typeof PATTERN_DIRECTIONS)[number];
  @ApiPropertyOptional() @IsOptional() @IsString() targetEntityType?: string;
  @ApiPropertyOptional({ type: [FilterDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FilterDto)
  targetFilters?: FilterDto[];
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(0) minWeight?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber() @Min(0) maxWeight?: number;
}

export class GraphQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() entityType?: string;
  @ApiPropertyOptional({ type: [FilterDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => FilterDto)
  filters?: FilterDto[];
  @ApiPropertyOptional({ type: [RelationshipPatternDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => RelationshipPatternDto)
  relationshipPatterns?: RelationshipPatternDto[];
  @ApiPropertyOptional({ default: 1, minimum: 1, maximum: 5 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  maxDepth?: number;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(200)
  pageSize?: number;
  @ApiPropertyOptional({ default: 0, minimum: 0 }) @IsOptional() @IsInt() @Min(0) skip?: number;
  @ApiPropertyOptional({ default: 5000, minimum: 1, maximum: 30000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(30000)
  timeoutMs?: number;
}

export class CreateSchemaDto {
  @ApiProperty({ example: '1.0.0' }) @IsString() @MaxLength(32) version: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      '{ entityTypes: {T: {properties: {p: {type, required, pattern, min, max}}}}, relationshipTypes: {R: {sourceTypes, targetTypes, properties}}, strict }',
  })
  @IsObject()
  definition: Record<string, unknown>;
}

export class ImpactQueryDto {
  @ApiProperty({ example: 'payment-processor' }) @IsString() @MaxLength(64) module: string;
  @ApiPropertyOptional({ example: '1.2.0', description: 'A version; all versions when omitted.' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  version?: string;
}
