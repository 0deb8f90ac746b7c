import { createDataSource, Database } from '@hotswap/database';
import type { SchemaDefinition } from '@hotswap/database';
import { GraphRepository } from './graph.repository';
import { GraphService } from './graph.service';
import { GraphQueryEngine } from './query/query-engine';
import { GraphStatisticsCollector } from './query/statistics';
import { SnapshotStore } from './traversal/snapshot-store';
import { TraversalService } from './traversal/traversal.service';

/** The graph's services wired by hand on a database (integration tests and the bench). */
export async function graphOn(url: string, schema: SchemaDefinition, poolSize = 4) {
  const dataSource = createDataSource({ url, poolSize, schema });
  await dataSource.initialize();
  const database = new Database(dataSource);
  const repository = new GraphRepository(database);
  const snapshots = new SnapshotStore(database, repository);
  return {
    database,
    repository,
    service: new GraphService(database, repository),
    engine: new GraphQueryEngine(database, repository, new GraphStatisticsCollector(database)),
    snapshots,
    traversal: new TraversalService(snapshots, repository),
    close: () => dataSource.destroy(),
  };
}
