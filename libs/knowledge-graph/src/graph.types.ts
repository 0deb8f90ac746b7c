import type { GraphOwner } from './entities/graph-entity.entity';

export interface GraphEntity {
  readonly id: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
  readonly owner: GraphOwner;
  readonly version: number;
  readonly createdBy: string;
  readonly updatedBy: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface GraphRelationship {
  readonly id: string;
  readonly type: string;
  readonly sourceEntityId: string;
  readonly targetEntityId: string;
  readonly weight: number;
  readonly isDirected: boolean;
  readonly properties: Record<string, unknown>;
  readonly owner: GraphOwner;
  readonly createdBy: string;
  readonly createdAt: Date;
}

/** How a traversal follows relationships. Undirected relationships are followed in every direction. */
export type Direction = 'outgoing' | 'incoming' | 'both';

export interface GraphPath {
  readonly entities: GraphEntity[];
  readonly relationships: GraphRelationship[];
  readonly totalWeight: number;
  readonly hops: number;
}
