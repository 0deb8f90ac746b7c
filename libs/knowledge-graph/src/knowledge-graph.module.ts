import { Inject, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { LeaderScheduler } from '@hotswap/coordination';
import { GraphController } from './graph.controller';
import { GraphRepository } from './graph.repository';
import { GraphService } from './graph.service';
import { GraphQueryEngine } from './query/query-engine';
import { GraphStatisticsCollector } from './query/statistics';
import { ImpactService } from './topology/impact.service';
import { TopologyMirror } from './topology/topology-mirror';
import { SnapshotStore } from './traversal/snapshot-store';
import { TraversalService } from './traversal/traversal.service';

export const TOPOLOGY_SYNC_TASK = 'graph-topology-sync';
/** How often the leader checks the event log and refreshes the topology mirror (DR-21). */
const TOPOLOGY_SYNC_INTERVAL_MS = 5_000;
/**
 * Every this many ticks the leader rebuilds even without new events: slots an agent reports change
 * without one, and a commit with a lower `seq` than the cursor read (DR-29) would not look "behind".
 */
const FULL_REBUILD_EVERY = 12;

class TopologySync implements OnApplicationBootstrap {
  private readonly logger = new Logger('TopologySync');
  private ticks = 0;

  constructor(
    @Inject(LeaderScheduler) private readonly leader: LeaderScheduler,
    @Inject(TopologyMirror) private readonly mirror: TopologyMirror,
  ) {}

  onApplicationBootstrap(): void {
    this.leader.every(TOPOLOGY_SYNC_TASK, TOPOLOGY_SYNC_INTERVAL_MS, async () => {
      try {
        if (++this.ticks % FULL_REBUILD_EVERY === 0) await this.mirror.rebuild();
        else await this.mirror.syncIfBehind();
      } catch (error) {
        this.logger.warn(`topology sync failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  }
}

/** The knowledge graph: entities, relationships, schemas, queries, traversal, topology and impact. */
@Module({
  controllers: [GraphController],
  providers: [
    GraphRepository,
    GraphService,
    GraphStatisticsCollector,
    GraphQueryEngine,
    SnapshotStore,
    TraversalService,
    TopologyMirror,
    ImpactService,
    TopologySync,
  ],
  exports: [ImpactService, GraphService, TraversalService, GraphQueryEngine],
})
export class KnowledgeGraphModule {}
