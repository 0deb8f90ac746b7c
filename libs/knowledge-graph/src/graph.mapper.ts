import type { EntityResponseDto, PathDto, RelationshipResponseDto } from './dto/graph.response.dto';
import type { GraphEntity, GraphPath, GraphRelationship } from './graph.types';

export const toEntityDto = (e: GraphEntity & { depth?: number }): EntityResponseDto => ({
  id: e.id,
  type: e.type,
  properties: e.properties,
  owner: e.owner,
  version: e.version,
  createdBy: e.createdBy,
  updatedBy: e.updatedBy,
  createdAt: e.createdAt.toISOString(),
  updatedAt: e.updatedAt.toISOString(),
  ...(e.depth === undefined ? {} : { depth: e.depth }),
});

export const toRelationshipDto = (r: GraphRelationship): RelationshipResponseDto => ({
  id: r.id,
  type: r.type,
  sourceEntityId: r.sourceEntityId,
  targetEntityId: r.targetEntityId,
  weight: r.weight,
  isDirected: r.isDirected,
  properties: r.properties,
  owner: r.owner,
  createdBy: r.createdBy,
  createdAt: r.createdAt.toISOString(),
});

export const toPathDto = (p: GraphPath): PathDto => ({
  entities: p.entities.map(toEntityDto),
  relationships: p.relationships.map(toRelationshipDto),
  totalWeight: p.totalWeight,
  hops: p.hops,
});
