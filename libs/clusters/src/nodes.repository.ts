import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { queryRows } from './sql';
import { NodeModuleEntity } from './entities/node-module.entity';
import { NodeEntity } from './entities/node.entity';
import type { ModuleSlots } from './module-slots';
import { HEALTH_THRESHOLDS, type NodeKind, type NodeMetrics, type NodeStatus } from './node-status';

export interface NodeFilter {
  readonly environmentId?: string;
  readonly status?: NodeStatus;
  readonly kind?: NodeKind;
  /** `key=value` labels the node must all carry. */
  readonly labels?: Readonly<Record<string, string>>;
}

/** A status change made by a bulk update. */
export interface StatusTransition {
  readonly id: string;
  readonly name: string;
  readonly environmentId: string;
  readonly kind: NodeKind;
  readonly from: NodeStatus;
  readonly to: NodeStatus;
  readonly reason: string;
  readonly lastHeartbeatAt: Date | null;
}

/** The newest heartbeat of one node within a flush. */
export interface HeartbeatRow {
  readonly nodeId: string;
  readonly at: Date;
  readonly metrics: NodeMetrics;
  readonly status: NodeStatus;
  readonly reason: string;
}

export interface ModuleSlotsRow extends Omit<ModuleSlots, 'previousRetainedUntil'> {
  readonly nodeId: string;
  readonly moduleName: string;
  /** `undefined` keeps the stored error (a heartbeat's module state says nothing about it). */
  readonly lastError: string | null | undefined;
  /** `undefined` keeps the stored deadline (an agent's report says nothing about it). */
  readonly previousRetainedUntil: Date | null | undefined;
}

/** A module whose previous version the retention sweep unloaded. */
export interface UnloadedPrevious {
  readonly nodeId: string;
  readonly moduleName: string;
  readonly kind: NodeKind;
  readonly previousVersion: string | null;
}

export interface EnvironmentCounts {
  readonly environmentId: string;
  readonly total: number;
  readonly healthy: number;
}

interface TransitionRaw {
  id: string;
  name: string;
  environment_id: string;
  kind: NodeKind;
  from: NodeStatus;
  to: NodeStatus;
  reason: string;
  last_heartbeat_at: Date | null;
}

const toTransition = (r: TransitionRaw): StatusTransition => ({
  id: r.id,
  name: r.name,
  environmentId: r.environment_id,
  kind: r.kind,
  from: r.from,
  to: r.to,
  reason: r.reason,
  lastHeartbeatAt: r.last_heartbeat_at,
});

/** SQL form of the health rule (node-status.ts `evaluateHealth`); `$cutoff` = now − heartbeat timeout. */
const HEALTHY_SQL = (alias: string, cutoff: string) =>
  `(${alias}.status NOT IN ('Unknown', 'Stopped') AND ${alias}.last_heartbeat_at > ${cutoff}
    AND ${alias}.cpu_percent < ${HEALTH_THRESHOLDS.cpuPercent}
    AND ${alias}.memory_percent < ${HEALTH_THRESHOLDS.memoryPercent}
    AND ${alias}.error_rate < ${HEALTH_THRESHOLDS.errorRate})`;

/** Nodes, their module slots and desired state. Bulk paths are single statements over arrays. */
@Injectable()
export class NodesRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  private query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return queryRows<T>(this.database, sql, params);
  }

  async insertMany(rows: readonly Omit<NodeEntity, 'environment'>[]): Promise<void> {
    const CHUNK = 500;
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.database
        .manager()
        .createQueryBuilder()
        .insert()
        .into(NodeEntity)
        .values(rows.slice(i, i + CHUNK))
        .execute();
    }
  }

  findById(id: string): Promise<NodeEntity | null> {
    return this.database.repository(NodeEntity).findOneBy({ id });
  }

  /** The nodes with these ids that exist (one query). */
  findByIds(ids: readonly string[]): Promise<NodeEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.database
      .repository(NodeEntity)
      .createQueryBuilder('n')
      .where('n.id = ANY(:ids::uuid[])', { ids })
      .getMany();
  }

  findByCredentialHash(credentialHash: string): Promise<NodeEntity | null> {
    return this.database.repository(NodeEntity).findOneBy({ credentialHash });
  }

  findByName(environmentId: string, name: string): Promise<NodeEntity | null> {
    return this.database.repository(NodeEntity).findOneBy({ environmentId, name });
  }

  /** Nodes by name then id, after the cursor position. */
  async list(filter: NodeFilter, after: { name: string; id: string } | undefined, limit: number) {
    const q = this.database.repository(NodeEntity).createQueryBuilder('n');
    if (filter.environmentId !== undefined)
      q.andWhere('n.environment_id = :env', { env: filter.environmentId });
    if (filter.status !== undefined) q.andWhere('n.status = :status', { status: filter.status });
    if (filter.kind !== undefined) q.andWhere('n.kind = :kind', { kind: filter.kind });
    if (filter.labels !== undefined && Object.keys(filter.labels).length > 0) {
      q.andWhere('n.labels @> :labels::jsonb', { labels: JSON.stringify(filter.labels) });
    }
    if (after !== undefined) {
      q.andWhere('(n.name, n.id) > (:afterName, :afterId)', { afterName: after.name, afterId: after.id });
    }
    return q.orderBy('n.name', 'ASC').addOrderBy('n.id', 'ASC').limit(limit).getMany();
  }

  /** Every node of an environment, by name. */
  inEnvironment(environmentId: string): Promise<NodeEntity[]> {
    return this.database.repository(NodeEntity).find({ where: { environmentId }, order: { name: 'ASC' } });
  }

  /** Simulated nodes (every environment), by name: the few columns the simulation needs, unhydrated. */
  async simulated(): Promise<{ id: string; name: string; environmentId: string }[]> {
    const rows = await this.query<{ id: string; name: string; environment_id: string }>(
      `SELECT id, name, environment_id FROM nodes WHERE kind = 'simulated' ORDER BY name`,
      [],
    );
    return rows.map((r) => ({ id: r.id, name: r.name, environmentId: r.environment_id }));
  }

  /** Active versions of the simulated nodes' modules (unhydrated). */
  async simulatedActiveVersions(): Promise<
    { nodeId: string; moduleName: string; activeVersion: string | null }[]
  > {
    const rows = await this.query<{ node_id: string; module_name: string; active_version: string | null }>(
      `SELECT m.node_id, m.module_name, m.active_version FROM node_modules m
       JOIN nodes n ON n.id = m.node_id WHERE n.kind = 'simulated'`,
      [],
    );
    return rows.map((r) => ({
      nodeId: r.node_id,
      moduleName: r.module_name,
      activeVersion: r.active_version,
    }));
  }

  /**
   * Records the newest heartbeat of each node (one statement for the batch) and returns the nodes
   * whose status changed. Draining and Stopped are left alone: heartbeats do not undo an operator.
   */
  async applyHeartbeats(rows: readonly HeartbeatRow[]): Promise<StatusTransition[]> {
    if (rows.length === 0) return [];
    const sorted = [...rows].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
    const raw = await this.query<TransitionRaw>(
      `WITH v AS (
         SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[],
                              $6::float8[], $7::float8[], $8::text[], $9::text[])
           AS v(id, at, cpu, mem, lat, err, rps, status, reason)
       ), prev AS (
         SELECT n.id, n.status FROM nodes n WHERE n.id = ANY($1::uuid[]) ORDER BY n.id FOR UPDATE
       )
       UPDATE nodes n SET
         last_heartbeat_at = v.at, cpu_percent = v.cpu, memory_percent = v.mem, latency_p95_ms = v.lat,
         error_rate = v.err, requests_per_second = v.rps,
         status = CASE WHEN n.status IN ('Draining', 'Stopped') THEN n.status ELSE v.status END,
         status_reason = CASE WHEN n.status IN ('Draining', 'Stopped') OR n.status = v.status
                              THEN n.status_reason ELSE v.reason END,
         status_changed_at = CASE WHEN n.status IN ('Draining', 'Stopped') OR n.status = v.status
                                  THEN n.status_changed_at ELSE v.at END
       FROM v JOIN prev ON prev.id = v.id
       WHERE n.id = v.id AND n.id = ANY($1::uuid[])
       RETURNING n.id, n.name, n.environment_id, n.kind, prev.status AS "from", n.status AS "to",
                 n.status_reason AS reason, n.last_heartbeat_at`,
      [
        sorted.map((r) => r.nodeId),
        sorted.map((r) => r.at.toISOString()),
        sorted.map((r) => r.metrics.cpuPercent),
        sorted.map((r) => r.metrics.memoryPercent),
        sorted.map((r) => r.metrics.latencyP95Ms),
        sorted.map((r) => r.metrics.errorRate),
        sorted.map((r) => r.metrics.requestsPerSecond),
        sorted.map((r) => r.status),
        sorted.map((r) => r.reason),
      ],
    );
    return raw.filter((r) => r.from !== r.to).map(toTransition);
  }

  /** Nodes silent since before `cutoff` become Unknown; returns them. */
  async markSilentUnknown(cutoff: Date, now: Date, reason: string): Promise<StatusTransition[]> {
    const raw = await this.query<TransitionRaw>(
      `WITH prev AS (
         SELECT id, status FROM nodes
         WHERE status NOT IN ('Unknown', 'Stopped')
           AND coalesce(last_heartbeat_at, registered_at) < $1
         ORDER BY id FOR UPDATE SKIP LOCKED
       )
       UPDATE nodes n SET status = 'Unknown', status_reason = $3, status_changed_at = $2
       FROM prev WHERE n.id = prev.id
       RETURNING n.id, n.name, n.environment_id, n.kind, prev.status AS "from", n.status AS "to",
                 n.status_reason AS reason, n.last_heartbeat_at`,
      [cutoff.toISOString(), now.toISOString(), reason],
    );
    return raw.map(toTransition);
  }

  /** Sets a node's status; the previous status, or null when the node does not exist. */
  async setStatus(id: string, status: NodeStatus, reason: string, now: Date): Promise<NodeStatus | null> {
    const rows = await this.query<{ from: NodeStatus }>(
      `WITH prev AS (SELECT id, status FROM nodes WHERE id = $1 FOR UPDATE)
       UPDATE nodes n SET status = $2, status_reason = $3, status_changed_at = $4
       FROM prev WHERE n.id = prev.id RETURNING prev.status AS "from"`,
      [id, status, reason, now.toISOString()],
    );
    return rows[0]?.from ?? null;
  }

  async setAgentVersion(id: string, agentVersion: string): Promise<void> {
    await this.database.repository(NodeEntity).update({ id }, { agentVersion });
  }

  async delete(id: string): Promise<void> {
    await this.database.repository(NodeEntity).delete({ id });
  }

  async countsByEnvironment(cutoff: Date): Promise<EnvironmentCounts[]> {
    const rows = await this.query<{ environment_id: string; total: number; healthy: number }>(
      `SELECT n.environment_id, count(*)::int AS total,
              count(*) FILTER (WHERE ${HEALTHY_SQL('n', '$1')})::int AS healthy
       FROM nodes n GROUP BY n.environment_id`,
      [cutoff.toISOString()],
    );
    return rows.map((r) => ({ environmentId: r.environment_id, total: r.total, healthy: r.healthy }));
  }

  // ---- module slots and desired state ----------------------------------------------------------

  modulesOf(nodeIds: readonly string[]): Promise<NodeModuleEntity[]> {
    if (nodeIds.length === 0) return Promise.resolve([]);
    return this.database
      .repository(NodeModuleEntity)
      .createQueryBuilder('m')
      .where('m.node_id = ANY(:ids::uuid[])', { ids: nodeIds })
      .orderBy('m.node_id')
      .addOrderBy('m.module_name')
      .getMany();
  }

  /** One module's slots on many nodes (one query); nodes without the module are absent. */
  modulesNamed(nodeIds: readonly string[], moduleName: string): Promise<NodeModuleEntity[]> {
    if (nodeIds.length === 0) return Promise.resolve([]);
    return this.database.selectRows(NodeModuleEntity, 'node_id = ANY($1::uuid[]) AND module_name = $2', [
      nodeIds,
      moduleName,
    ]);
  }

  /**
   * Records an error on one module of several nodes (their slots unchanged), e.g. a deployment that
   * could not put them back; the node's next successful operation on the module clears it.
   */
  async noteModuleError(
    nodeIds: readonly string[],
    moduleName: string,
    error: string,
    now: Date,
  ): Promise<void> {
    if (nodeIds.length === 0) return;
    await this.query(
      'UPDATE node_modules SET last_error = $3, updated_at = $4 WHERE node_id = ANY($1::uuid[]) AND module_name = $2',
      [nodeIds, moduleName, error.slice(0, 1000), now.toISOString()],
    );
  }

  findModule(nodeId: string, moduleName: string): Promise<NodeModuleEntity | null> {
    return this.database.repository(NodeModuleEntity).findOneBy({ nodeId, moduleName });
  }

  /**
   * Writes the slots of many (node, module) pairs (one statement per combination of kept fields, so
   * four at most and usually one); desired state is kept.
   */
  async upsertSlots(rows: readonly ModuleSlotsRow[], now: Date): Promise<void> {
    // One row per (node, module): the last one of the batch wins.
    const unique = [...new Map(rows.map((r) => [`${r.nodeId}/${r.moduleName}`, r])).values()];
    for (const setError of [true, false]) {
      for (const setRetention of [true, false]) {
        await this.upsertSlotRows(
          unique.filter(
            (r) =>
              (r.lastError !== undefined) === setError &&
              (r.previousRetainedUntil !== undefined) === setRetention,
          ),
          now,
          setError,
          setRetention,
        );
      }
    }
  }

  private async upsertSlotRows(
    rows: readonly ModuleSlotsRow[],
    now: Date,
    setError: boolean,
    setRetention: boolean,
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.query(
      `INSERT INTO node_modules (node_id, module_name, active_version, standby_version, previous_version,
                                 state, last_error, previous_loaded, previous_retained_until, updated_at,
                                 desired_generation)
       SELECT v.*, $10::timestamptz, 0
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::boolean[], $9::timestamptz[]) AS v
       ON CONFLICT (node_id, module_name) DO UPDATE SET
         active_version = excluded.active_version, standby_version = excluded.standby_version,
         previous_version = excluded.previous_version, state = excluded.state,
         previous_loaded = excluded.previous_loaded,
         ${setError ? 'last_error = excluded.last_error,' : ''}
         ${setRetention ? 'previous_retained_until = excluded.previous_retained_until,' : ''}
         updated_at = excluded.updated_at`,
      [
        rows.map((r) => r.nodeId),
        rows.map((r) => r.moduleName),
        rows.map((r) => r.activeVersion),
        rows.map((r) => r.standbyVersion),
        rows.map((r) => r.previousVersion),
        rows.map((r) => r.state),
        rows.map((r) => r.lastError ?? null),
        rows.map((r) => r.previousLoaded),
        rows.map((r) => r.previousRetainedUntil?.toISOString() ?? null),
        now.toISOString(),
      ],
    );
  }

  /**
   * Unloads the previous versions whose retention ran out by `now` (at most `limit` modules, rows
   * locked by another writer are left for the next sweep): the slot is no longer loaded and, for
   * agents, no longer desired; its version stays remembered for a rollback. Agents' nodes get a new
   * desired generation (their modules' rows carry it), so the holder of the socket pushes the change.
   */
  async unloadExpiredPrevious(now: Date, limit: number): Promise<UnloadedPrevious[]> {
    const rows = await this.query<{
      node_id: string;
      module_name: string;
      kind: NodeKind;
      previous_version: string | null;
    }>(
      // The node's row is locked too (an agent's generation is bumped below), and nothing locked is
      // waited for: an agent operation locks the node, then the module (setDesired), so waiting here
      // could close a cycle. What is skipped is due again at the next sweep.
      `WITH due AS (
         SELECT m.node_id, m.module_name, n.kind FROM node_modules m JOIN nodes n ON n.id = m.node_id
         WHERE m.previous_retained_until IS NOT NULL AND m.previous_retained_until <= $1
         ORDER BY m.node_id, m.module_name LIMIT $2 FOR UPDATE OF m, n SKIP LOCKED
       )
       UPDATE node_modules m SET previous_loaded = false, previous_retained_until = NULL,
         desired_previous_version = NULL, updated_at = $1
       FROM due
       WHERE m.node_id = due.node_id AND m.module_name = due.module_name
       RETURNING m.node_id, m.module_name, due.kind, m.previous_version`,
      [now.toISOString(), limit],
    );
    const unloaded = rows.map((r) => ({
      nodeId: r.node_id,
      moduleName: r.module_name,
      kind: r.kind,
      previousVersion: r.previous_version,
    }));
    const agents = [...new Set(unloaded.filter((u) => u.kind === 'agent').map((u) => u.nodeId))].sort();
    if (agents.length > 0) {
      await this.query(
        `WITH bumped AS (
           UPDATE nodes SET desired_generation = desired_generation + 1 WHERE id = ANY($1::uuid[])
           RETURNING id, desired_generation
         )
         UPDATE node_modules m SET desired_generation = bumped.desired_generation
         FROM bumped, unnest($2::uuid[], $3::text[]) AS u(node_id, module_name)
         WHERE m.node_id = bumped.id AND m.node_id = u.node_id AND m.module_name = u.module_name
           AND m.desired_generation > 0`,
        [
          agents,
          unloaded.filter((u) => u.kind === 'agent').map((u) => u.nodeId),
          unloaded.filter((u) => u.kind === 'agent').map((u) => u.moduleName),
        ],
      );
    }
    return unloaded;
  }

  /**
   * Sets the desired slots of one module on one node, and (unless `undefined`) until when its previous
   * version is retained; returns the node's new generation.
   */
  async setDesired(
    nodeId: string,
    moduleName: string,
    desired: { active: string | null; standby: string | null; previous: string | null },
    previousRetainedUntil: Date | null | undefined,
    now: Date,
  ): Promise<number | null> {
    const rows = await this.query<{ desired_generation: number }>(
      `UPDATE nodes SET desired_generation = desired_generation + 1 WHERE id = $1 RETURNING desired_generation`,
      [nodeId],
    );
    const generation = rows[0]?.desired_generation;
    if (generation === undefined) return null;
    await this.query(
      `INSERT INTO node_modules (node_id, module_name, state, updated_at, desired_active_version,
                                 desired_standby_version, desired_previous_version, desired_generation,
                                 previous_retained_until)
       VALUES ($1, $2, 'Removed', $3, $4, $5, $6, $7, $8)
       ON CONFLICT (node_id, module_name) DO UPDATE SET desired_active_version = excluded.desired_active_version,
         desired_standby_version = excluded.desired_standby_version,
         desired_previous_version = excluded.desired_previous_version,
         desired_generation = excluded.desired_generation, last_error = NULL
         ${previousRetainedUntil === undefined ? '' : ', previous_retained_until = excluded.previous_retained_until'}`,
      [
        nodeId,
        moduleName,
        now.toISOString(),
        desired.active,
        desired.standby,
        desired.previous,
        generation,
        previousRetainedUntil?.toISOString() ?? null,
      ],
    );
    return generation;
  }

  async desiredGenerations(nodeIds: readonly string[]): Promise<Map<string, number>> {
    const rows = await this.query<{ id: string; desired_generation: number }>(
      'SELECT id, desired_generation FROM nodes WHERE id = ANY($1::uuid[])',
      [nodeIds],
    );
    return new Map(rows.map((r) => [r.id, r.desired_generation]));
  }

  /** Records that the node reported on `generation` (never moves backwards). */
  async setReportedGeneration(nodeId: string, generation: number): Promise<void> {
    await this.query(
      `UPDATE nodes SET reported_generation = greatest(reported_generation, $2) WHERE id = $1`,
      [nodeId, generation],
    );
  }
}
