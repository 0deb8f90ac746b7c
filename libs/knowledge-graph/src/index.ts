import { GraphEntityEntity } from './entities/graph-entity.entity';
import { GraphRelationshipEntity } from './entities/graph-relationship.entity';
import { GraphSchemaEntity } from './entities/graph-schema.entity';
import { GraphStateEntity } from './entities/graph-state.entity';

export { GraphService } from './graph.service';
export { GraphRepository } from './graph.repository';
export type { Direction, GraphEntity, GraphPath, GraphRelationship } from './graph.types';
export { GraphQueryEngine, type QueryResult } from './query/query-engine';
export { GraphStatisticsCollector } from './query/statistics';
export type { GraphQuery, PropertyFilter, QueryPlan, RelationshipPattern } from './query/query.types';
export { SNAPSHOT_RECHECK_MS, SnapshotStore } from './traversal/snapshot-store';
export { TraversalService } from './traversal/traversal.service';

/** Entities of the knowledge graph, for the application's schema. */
export const GRAPH_ENTITIES = [
  GraphEntityEntity,
  GraphRelationshipEntity,
  GraphSchemaEntity,
  GraphStateEntity,
];
export { KnowledgeGraphModule, TOPOLOGY_SYNC_TASK } from './knowledge-graph.module';
export { ImpactService, type ImpactReport } from './topology/impact.service';
export { TopologyMirror } from './topology/topology-mirror';
/** The services wired by hand on a database URL (integration tests, the bench). */
export { graphOn } from './testing';
