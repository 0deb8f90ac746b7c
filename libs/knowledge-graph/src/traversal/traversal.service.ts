import { Inject, Injectable } from '@nestjs/common';
import { entityNotFound, noPath } from '../graph.errors';
import { GraphRepository } from '../graph.repository';
import type { Direction, GraphEntity, GraphPath, GraphRelationship } from '../graph.types';
import type { AdjacencySnapshot } from './adjacency-snapshot';
import { allSimplePaths, bfs, dijkstra, neighbourhood, type IndexPath } from './algorithms';
import { SnapshotStore } from './snapshot-store';

export interface NeighbourhoodResult {
  readonly entities: (GraphEntity & { depth: number })[];
  readonly relationships: GraphRelationship[];
}

/** Neighbourhoods and paths, computed on the adjacency snapshot and hydrated from the tables. */
@Injectable()
export class TraversalService {
  constructor(
    @Inject(SnapshotStore) private readonly snapshots: SnapshotStore,
    @Inject(GraphRepository) private readonly graph: GraphRepository,
  ) {}

  private indexOf(snapshot: AdjacencySnapshot, id: string): number {
    const index = snapshot.indexOf(id);
    if (index === undefined) throw entityNotFound(id);
    return index;
  }

  /** Neighbour ids only (no hydration): what the bench compares with a recursive CTE. */
  async neighbourIds(
    id: string,
    depth: number,
    direction: Direction,
    types?: readonly string[],
  ): Promise<string[]> {
    const snapshot = await this.snapshots.get();
    const result = neighbourhood(
      snapshot,
      this.indexOf(snapshot, id),
      depth,
      direction,
      types === undefined ? undefined : new Set(types),
    );
    return result.nodes.map((n) => snapshot.entityId(n.index));
  }

  async neighbours(
    id: string,
    depth: number,
    direction: Direction,
    types?: readonly string[],
  ): Promise<NeighbourhoodResult> {
    const snapshot = await this.snapshots.get();
    const result = neighbourhood(
      snapshot,
      this.indexOf(snapshot, id),
      depth,
      direction,
      types === undefined ? undefined : new Set(types),
    );
    const depthById = new Map(result.nodes.map((n) => [snapshot.entityId(n.index), n.depth]));
    const entities = await this.graph.findEntities([...depthById.keys()]);
    const relationships = await this.graph.findRelationships(
      result.rels.map((r) => snapshot.relationshipId(r)),
    );
    return {
      entities: entities
        .map((e) => ({ ...e, depth: depthById.get(e.id) ?? 0 }))
        .sort((a, b) => a.depth - b.depth || a.id.localeCompare(b.id)),
      relationships,
    };
  }

  /** The shortest path's snapshot indexes (the bench measures this). */
  async shortestIndexPath(
    from: string,
    to: string,
    weighted: boolean,
    direction: Direction = 'outgoing',
  ): Promise<IndexPath | null> {
    const snapshot = await this.snapshots.get();
    const a = this.indexOf(snapshot, from);
    const b = this.indexOf(snapshot, to);
    return weighted ? dijkstra(snapshot, a, b, direction) : bfs(snapshot, a, b, direction);
  }

  async shortest(
    from: string,
    to: string,
    weighted: boolean,
    direction: Direction = 'outgoing',
  ): Promise<GraphPath> {
    const snapshot = await this.snapshots.get();
    const a = this.indexOf(snapshot, from);
    const b = this.indexOf(snapshot, to);
    const path = weighted ? dijkstra(snapshot, a, b, direction) : bfs(snapshot, a, b, direction);
    if (path === null)
      throw noPath(from, to, `following ${direction} relationships (undirected ones both ways)`);
    return (await this.hydrate(snapshot, [path]))[0] as GraphPath;
  }

  async all(
    from: string,
    to: string,
    maxDepth: number,
    limit: number,
    direction: Direction = 'outgoing',
  ): Promise<GraphPath[]> {
    const snapshot = await this.snapshots.get();
    const paths = allSimplePaths(
      snapshot,
      this.indexOf(snapshot, from),
      this.indexOf(snapshot, to),
      direction,
      maxDepth,
      limit,
    );
    return this.hydrate(snapshot, paths);
  }

  private async hydrate(snapshot: AdjacencySnapshot, paths: IndexPath[]): Promise<GraphPath[]> {
    const entityIds = new Set(paths.flatMap((p) => p.nodes.map((n) => snapshot.entityId(n))));
    const relIds = new Set(paths.flatMap((p) => p.rels.map((r) => snapshot.relationshipId(r))));
    const entities = new Map((await this.graph.findEntities([...entityIds])).map((e) => [e.id, e]));
    const rels = new Map((await this.graph.findRelationships([...relIds])).map((r) => [r.id, r]));
    return paths.map((p) => ({
      entities: p.nodes
        .map((n) => entities.get(snapshot.entityId(n)))
        .filter((e): e is GraphEntity => e !== undefined),
      relationships: p.rels
        .map((r) => rels.get(snapshot.relationshipId(r)))
        .filter((r): r is GraphRelationship => r !== undefined),
      totalWeight: p.totalWeight,
      hops: p.rels.length,
    }));
  }
}
