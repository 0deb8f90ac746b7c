import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { GraphRepository } from '../graph.repository';

/** Deployment statuses that count as active (deployments spec). */
export const ACTIVE_DEPLOYMENT_STATUSES = ['Queued', 'PendingApproval', 'Running', 'Paused'];

/**
 * The desired topology, computed from the source tables: one row per entity / relationship with its
 * natural key. Upserted by natural key, so running it twice changes nothing (idempotent), and
 * topology rows whose source disappeared are deleted.
 */
const DESIRED_ENTITIES = `
  SELECT 'Environment:' || name AS key, 'Environment' AS type,
         jsonb_build_object('name', name, 'rank', rank, 'frozen', frozen) AS properties
  FROM environments
  UNION ALL
  SELECT 'Node:' || n.id, 'Node',
         jsonb_build_object('nodeId', n.id, 'name', n.name, 'environment', e.name, 'status', n.status, 'kind', n.kind)
  FROM nodes n JOIN environments e ON e.id = n.environment_id
  UNION ALL
  SELECT 'Module:' || name, 'Module', jsonb_build_object('name', name)
  FROM (SELECT name FROM modules
        UNION SELECT d.key FROM module_versions v, jsonb_each_text(coalesce(v.manifest->'dependencies', '{}')) d) m
  UNION ALL
  SELECT 'ModuleVersion:' || module_name || '@' || version, 'ModuleVersion',
         jsonb_build_object('module', module_name, 'version', version, 'yanked', yanked)
  FROM module_versions
  UNION ALL
  SELECT 'Deployment:' || id, 'Deployment',
         jsonb_build_object('deploymentId', id, 'module', module_name, 'version', version, 'targetEnvironment', target_environment,
                            'status', status, 'kind', kind, 'active', status = ANY($1::text[]))
  FROM deployments`;

const DESIRED_RELATIONSHIPS = `
  SELECT 'memberOf:' || n.id AS key, 'memberOf' AS type, 'Node:' || n.id AS source, 'Environment:' || e.name AS target,
         '{}'::jsonb AS properties
  FROM nodes n JOIN environments e ON e.id = n.environment_id
  UNION ALL
  SELECT 'hasVersion:' || module_name || '@' || version, 'hasVersion', 'Module:' || module_name,
         'ModuleVersion:' || module_name || '@' || version, '{}'::jsonb
  FROM module_versions
  UNION ALL
  SELECT 'dependsOn:' || v.module_name || '@' || v.version || '->' || d.key, 'dependsOn',
         'ModuleVersion:' || v.module_name || '@' || v.version, 'Module:' || d.key, jsonb_build_object('range', d.value)
  FROM module_versions v, jsonb_each_text(coalesce(v.manifest->'dependencies', '{}')) d
  UNION ALL
  SELECT 'runs:' || nm.node_id || ':' || nm.module_name, 'runs', 'Node:' || nm.node_id,
         'ModuleVersion:' || nm.module_name || '@' || nm.active_version, jsonb_build_object('state', nm.state)
  FROM node_modules nm WHERE nm.active_version IS NOT NULL
  UNION ALL
  SELECT 'runs:deployment:' || id, 'runs', 'Deployment:' || id, 'ModuleVersion:' || module_name || '@' || version, '{}'::jsonb
  FROM deployments
  UNION ALL
  SELECT 'deployedTo:' || id, 'deployedTo', 'Deployment:' || id, 'Environment:' || target_environment, '{}'::jsonb
  FROM deployments`;

/** TypeORM answers UPDATE / DELETE … RETURNING with [rows, affected count]. */
const affected = (result: [unknown[], number]) => result[0];

/** Mirrors environments, nodes, modules, versions, dependencies and deployments into the graph. */
@Injectable()
export class TopologyMirror {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(GraphRepository) private readonly graph: GraphRepository,
  ) {}

  /** Rebuilds the mirror from the source tables; returns how many rows changed. */
  rebuild(): Promise<{ changed: number; cursor: number }> {
    return this.graph.write(async () => {
      const m = this.database.manager();
      // One rebuild at a time across replicas.
      await m.query('SELECT pg_advisory_xact_lock(7261947301946623011)');
      const [head] = await m.query<{ seq: string | null }[]>('SELECT max(seq) AS seq FROM events');
      const statuses = [ACTIVE_DEPLOYMENT_STATUSES];
      const upserted = await m.query<{ id: string }[]>(
        `WITH desired AS (${DESIRED_ENTITIES})
         INSERT INTO graph_entities (id, type, properties, owner, natural_key, created_by, updated_by)
         SELECT gen_random_uuid(), type, properties, 'topology', key, 'system', 'system' FROM desired
         ON CONFLICT (natural_key) DO UPDATE SET properties = EXCLUDED.properties, version = graph_entities.version + 1,
           updated_at = now()
         WHERE graph_entities.properties IS DISTINCT FROM EXCLUDED.properties
         RETURNING id`,
        statuses,
      );
      const removed = affected(
        await m.query<[{ id: string }[], number]>(
          `WITH desired AS (${DESIRED_ENTITIES})
         DELETE FROM graph_entities g WHERE g.owner = 'topology' AND NOT EXISTS (SELECT 1 FROM desired d WHERE d.key = g.natural_key)
         RETURNING id`,
          statuses,
        ),
      );
      const rels = await m.query<{ id: string }[]>(
        `WITH desired AS (${DESIRED_RELATIONSHIPS})
         INSERT INTO graph_relationships (id, type, source_id, target_id, weight, is_directed, properties, owner, natural_key, created_by)
         SELECT gen_random_uuid(), d.type, s.id, t.id, 1, true, d.properties, 'topology', d.key, 'system'
         FROM desired d JOIN graph_entities s ON s.natural_key = d.source JOIN graph_entities t ON t.natural_key = d.target
         ON CONFLICT (natural_key) DO UPDATE SET source_id = EXCLUDED.source_id, target_id = EXCLUDED.target_id,
           properties = EXCLUDED.properties
         WHERE (graph_relationships.source_id, graph_relationships.target_id, graph_relationships.properties)
               IS DISTINCT FROM (EXCLUDED.source_id, EXCLUDED.target_id, EXCLUDED.properties)
         RETURNING id`,
      );
      const relsRemoved = affected(
        await m.query<[{ id: string }[], number]>(
          `WITH desired AS (${DESIRED_RELATIONSHIPS})
         DELETE FROM graph_relationships g WHERE g.owner = 'topology' AND NOT EXISTS (
           SELECT 1 FROM desired d JOIN graph_entities s ON s.natural_key = d.source JOIN graph_entities t ON t.natural_key = d.target
           WHERE d.key = g.natural_key)
         RETURNING id`,
        ),
      );
      const changed = upserted.length + removed.length + rels.length + relsRemoved.length;
      const cursor = Number(head?.seq ?? 0);
      await m.query('UPDATE graph_state SET topology_cursor = GREATEST(topology_cursor, $1) WHERE id = 1', [
        cursor,
      ]);
      if (changed > 0) await this.graph.bumpGeneration();
      return { changed, cursor };
    });
  }

  /** Rebuilds when the event log moved past the mirror's cursor (called by the leader job and before impact). */
  async syncIfBehind(): Promise<boolean> {
    const [row] = await this.database
      .manager()
      .query<{ behind: boolean }[]>(
        'SELECT coalesce((SELECT max(seq) FROM events), 0) > (SELECT topology_cursor FROM graph_state WHERE id = 1) AS behind',
      );
    if (row?.behind !== true) return false;
    await this.rebuild();
    return true;
  }
}
