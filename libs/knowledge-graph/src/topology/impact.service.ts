import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { satisfiesRange } from '@hotswap/modules';
import { TopologyMirror } from './topology-mirror';

export interface RunningOn {
  readonly environments: string[];
  readonly nodes: { id: string; name: string; environment: string; version: string }[];
}

export interface ImpactedDependent extends RunningOn {
  readonly module: string;
  readonly version: string;
  /** The module it depends on (the changed one, or another dependent) and the range that binds it. */
  readonly dependsOn: string;
  readonly range: string;
  readonly depth: number;
}

export interface ImpactReport {
  readonly module: string;
  readonly version: string | null;
  readonly runningOn: RunningOn;
  readonly dependents: ImpactedDependent[];
  readonly activeDeployments: {
    id: string;
    module: string;
    version: string;
    targetEnvironment: string;
    status: string;
  }[];
}

const MAX_DEPTH = 10;

/** "What does changing this module affect?", answered from the mirrored topology. */
@Injectable()
export class ImpactService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(TopologyMirror) private readonly mirror: TopologyMirror,
  ) {}

  private q<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.database.manager().query<T[]>(sql, params);
  }

  private async runningOn(module: string, version: string | null): Promise<RunningOn> {
    const rows = await this.q<{ id: string; name: string; environment: string; version: string }>(
      `SELECT n.properties->>'nodeId' AS id, n.properties->>'name' AS name, n.properties->>'environment' AS environment,
              v.properties->>'version' AS version
       FROM graph_entities v
       JOIN graph_relationships r ON r.target_id = v.id AND r.type = 'runs'
       JOIN graph_entities n ON n.id = r.source_id AND n.type = 'Node'
       WHERE v.type = 'ModuleVersion' AND v.properties->>'module' = $1 AND ($2::text IS NULL OR v.properties->>'version' = $2)
       ORDER BY 3, 2`,
      [module, version],
    );
    return { environments: [...new Set(rows.map((r) => r.environment))].sort(), nodes: rows };
  }

  async impactOf(module: string, version: string | null): Promise<ImpactReport> {
    await this.mirror.syncIfBehind();
    const runningOn = await this.runningOn(module, version);
    const dependents: ImpactedDependent[] = [];
    const seen = new Set<string>();
    // Breadth-first over dependsOn edges pointing at the module (its Module entity).
    let frontier: { module: string; version: string | null }[] = [{ module, version }];
    for (let depth = 1; depth <= MAX_DEPTH && frontier.length > 0; depth++) {
      const next: { module: string; version: string | null }[] = [];
      for (const target of frontier) {
        const rows = await this.q<{ module: string; version: string; range: string }>(
          `SELECT v.properties->>'module' AS module, v.properties->>'version' AS version, r.properties->>'range' AS range
           FROM graph_entities m
           JOIN graph_relationships r ON r.target_id = m.id AND r.type = 'dependsOn'
           JOIN graph_entities v ON v.id = r.source_id
           WHERE m.type = 'Module' AND m.properties->>'name' = $1
           ORDER BY 1, 2`,
          [target.module],
        );
        for (const row of rows) {
          if (target.version !== null && !satisfiesRange(target.version, row.range)) continue;
          const key = `${row.module}@${row.version}`;
          if (seen.has(key) || row.module === module) continue;
          seen.add(key);
          dependents.push({
            module: row.module,
            version: row.version,
            dependsOn: target.module,
            range: row.range,
            depth,
            ...(await this.runningOn(row.module, row.version)),
          });
          next.push({ module: row.module, version: row.version });
        }
      }
      frontier = next;
    }
    const modules = [module, ...new Set(dependents.map((d) => d.module))];
    const activeDeployments = await this.q<ImpactReport['activeDeployments'][number]>(
      `SELECT properties->>'deploymentId' AS id, properties->>'module' AS module, properties->>'version' AS version,
              properties->>'targetEnvironment' AS "targetEnvironment", properties->>'status' AS status
       FROM graph_entities WHERE type = 'Deployment' AND (properties->>'active')::boolean AND properties->>'module' = ANY($1::text[])
       ORDER BY 1`,
      [modules],
    );
    return { module, version, runningOn, dependents, activeDeployments };
  }
}
