import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { lockKey } from '@hotswap/coordination';
import { Database } from '@hotswap/database';
import { DEPLOYMENT_STATUSES } from './deployment-state';
import { CanaryMeasurementEntity } from './entities/canary-measurement.entity';
import { DeploymentStageEntity } from './entities/deployment-stage.entity';
import { DeploymentEntity } from './entities/deployment.entity';
import { NodeOperationEntity } from './entities/node-operation.entity';

/** Fixed statement texts run at every step: prepared once per connection (see Database.query). */
const PREPARED = { prepare: true } as const;

/**
 * Statuses as SQL literals (checked against the known ones), not a parameter: a prepared statement's
 * generic plan can then use the partial index of unfinished deployments, whose predicate it could not
 * prove from `status = ANY($n)` (it scanned every deployment instead).
 */
function statusList(statuses: readonly string[]): string {
  if (statuses.length === 0) return 'NULL';
  return statuses
    .map((status) => {
      if (!(DEPLOYMENT_STATUSES as readonly string[]).includes(status))
        throw new Error(`not a deployment status: ${status}`);
      return `'${status}'`;
    })
    .join(', ');
}

export interface DeploymentFilter {
  readonly moduleName?: string;
  readonly environment?: string;
  readonly status?: string;
  readonly requestedBy?: string;
  readonly from?: Date;
  readonly to?: Date;
  /** Keyset cursor: strictly older than (createdAt, id). */
  readonly before?: { readonly createdAt: Date; readonly id: string };
  readonly limit: number;
}

/** What a conflict with an active deployment names. */
export type ActiveDeployment = Pick<
  DeploymentEntity,
  'id' | 'moduleName' | 'version' | 'targetEnvironment' | 'status'
>;

/** Deployments, their stages, the node-operation log and canary measurements. */
@Injectable()
export class DeploymentsRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  async insertDeployment(row: Omit<DeploymentEntity, 'createdAt' | 'updatedAt'>): Promise<DeploymentEntity> {
    const [generated] = await this.database.insertRows(DeploymentEntity, [row], ['createdAt', 'updatedAt']);
    if (generated === undefined) throw new Error(`deployment ${row.id} was not inserted`);
    return { ...row, ...generated };
  }

  /** Every stage in one INSERT. */
  async insertStages(rows: Omit<DeploymentStageEntity, 'id'>[]): Promise<DeploymentStageEntity[]> {
    const stages = rows.map((row) => ({ ...row, id: randomUUID() }));
    await this.database.insertRows(DeploymentStageEntity, stages);
    return stages;
  }

  async find(id: string): Promise<DeploymentEntity | null> {
    const [row] = await this.database.selectRows(DeploymentEntity, 'id = $1', [id]);
    return row ?? null;
  }

  /** {@link find}, with the ids of the rollback deployments that undo it (oldest first), in one read. */
  async findWithRollbacks(
    id: string,
  ): Promise<{ deployment: DeploymentEntity; rolledBackBy: string[] } | null> {
    const [row] = await this.database.selectRows<DeploymentEntity & { rolledBackBy: string[] }>(
      DeploymentEntity,
      'id = $1',
      [id],
      '',
      `(SELECT coalesce(array_agg(r.id::text ORDER BY r.created_at, r.id), '{}') FROM deployments r
         WHERE r.rollback_of = "deployments".id) AS "rolledBackBy"`,
    );
    if (row === undefined) return null;
    const { rolledBackBy, ...deployment } = row;
    return { deployment, rolledBackBy };
  }

  /** The deployment row locked for this transaction (one executor at a time). */
  async findForUpdate(id: string): Promise<DeploymentEntity | null> {
    const [row] = await this.database.selectRows(DeploymentEntity, 'id = $1', [id], 'FOR UPDATE');
    return row ?? null;
  }

  stagesOf(deploymentId: string): Promise<DeploymentStageEntity[]> {
    return this.database.selectRows(
      DeploymentStageEntity,
      'deployment_id = $1',
      [deploymentId],
      'ORDER BY position',
    );
  }

  async updateDeployment(id: string, changes: Partial<Omit<DeploymentEntity, 'id'>>): Promise<void> {
    await this.database.updateRow(DeploymentEntity, id, changes);
  }

  async updateStage(
    id: string,
    changes: Partial<Omit<DeploymentStageEntity, 'id' | 'deployment'>>,
  ): Promise<void> {
    await this.database.updateRow(DeploymentStageEntity, id, changes);
  }

  /** Several stages, each with its own changes, in one statement. */
  async updateStages(
    changes: ReadonlyMap<string, Partial<Omit<DeploymentStageEntity, 'id' | 'deployment'>>>,
  ): Promise<void> {
    await this.database.updateRows(DeploymentStageEntity, changes);
  }

  async list(filter: DeploymentFilter): Promise<DeploymentEntity[]> {
    const query = this.database.repository(DeploymentEntity).createQueryBuilder('d');
    if (filter.moduleName !== undefined)
      query.andWhere('d.module_name = :moduleName', { moduleName: filter.moduleName });
    if (filter.environment !== undefined) {
      query.andWhere(
        'EXISTS (SELECT 1 FROM deployment_stages s WHERE s.deployment_id = d.id AND lower(s.environment) = lower(:environment))',
        { environment: filter.environment },
      );
    }
    if (filter.status !== undefined) query.andWhere('d.status = :status', { status: filter.status });
    if (filter.requestedBy !== undefined)
      query.andWhere('d.requested_by = :requestedBy', { requestedBy: filter.requestedBy });
    if (filter.from !== undefined) query.andWhere('d.created_at >= :from', { from: filter.from });
    if (filter.to !== undefined) query.andWhere('d.created_at < :to', { to: filter.to });
    if (filter.before !== undefined) {
      query.andWhere('(d.created_at, d.id) < (:beforeAt, :beforeId)', {
        beforeAt: filter.before.createdAt,
        beforeId: filter.before.id,
      });
    }
    return query.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC').limit(filter.limit).getMany();
  }

  /** Deployments not yet finished that touch any of `environments` for `moduleName`, oldest first. */
  async activeFor(
    moduleName: string,
    environments: readonly string[],
    statuses: readonly string[],
  ): Promise<ActiveDeployment[]> {
    if (environments.length === 0) return [];
    return this.database.query<ActiveDeployment>(
      `SELECT d.id, d.module_name AS "moduleName", d.version, d.target_environment AS "targetEnvironment", d.status
         FROM deployments d
        WHERE d.module_name = $1 AND d.status IN (${statusList(statuses)})
          AND EXISTS (SELECT 1 FROM deployment_stages s
                       WHERE s.deployment_id = d.id AND s.kind = 'environment' AND s.environment = ANY($2::text[]))
        ORDER BY d.created_at`,
      [moduleName, environments],
      PREPARED,
    );
  }

  /**
   * How many deployments hold a slot of an environment: in `statuses` (running) with their current
   * stage in that environment and past its entry (a deployment still at the entry holds no slot),
   * `except` one (the deployment asking, whose own claim this transaction may already have written).
   */
  async runningIn(environment: string, statuses: readonly string[], except?: string): Promise<number> {
    const [row] = await this.database.query<{ n: number }>(
      `SELECT count(*)::int AS n
         FROM deployments d
         JOIN deployment_stages s ON s.deployment_id = d.id AND s.position = d.current_stage
        WHERE d.status IN (${statusList(statuses)}) AND s.environment = $1 AND s.phase <> 'start'
          AND d.id IS DISTINCT FROM $2::uuid`,
      [environment, except ?? null],
      PREPARED,
    );
    return row?.n ?? 0;
  }

  /** Serializes the slot claims of one environment until the caller's transaction ends. */
  async lockEnvironmentSlots(environment: string): Promise<void> {
    await this.database.query(
      'SELECT pg_advisory_xact_lock($1)',
      [lockKey(`deployments:slots:${environment}`).toString()],
      PREPARED,
    );
  }

  /**
   * Serializes the creation of a module's deployments until the caller's transaction ends, so the
   * active-deployment check that follows sees every deployment created before it (one active
   * deployment per module and environment, even for simultaneous requests).
   */
  async lockModuleCreation(moduleName: string): Promise<void> {
    await this.database.query(
      'SELECT pg_advisory_xact_lock($1)',
      [lockKey(`deployments:module:${moduleName}`).toString()],
      PREPARED,
    );
  }

  // ---- node-operation log ----

  operationsOf(
    stageId: string,
    step: string,
    kind: string,
    nodeIds: readonly string[],
  ): Promise<NodeOperationEntity[]> {
    if (nodeIds.length === 0) return Promise.resolve([]);
    // One array parameter, whatever the number of nodes (an IN list of 10,000 parameters is slow to build).
    return this.database
      .repository(NodeOperationEntity)
      .createQueryBuilder('o')
      .where('o.stage_id = :stageId AND o.step = :step AND o.kind = :kind', { stageId, step, kind })
      .andWhere('o.node_id = ANY(:ids::uuid[])', { ids: nodeIds })
      .getMany();
  }

  /** Records operations as pending before they are sent; existing rows are kept as they are. */
  async insertPendingOperations(
    rows: Omit<NodeOperationEntity, 'id' | 'createdAt' | 'status' | 'error' | 'finishedAt'>[],
  ): Promise<void> {
    if (rows.length === 0) return;
    for (let i = 0; i < rows.length; i += 5_000) {
      const batch = rows.slice(i, i + 5_000);
      await this.database.query(
        `INSERT INTO deployment_node_operations
           (id, deployment_id, stage_id, environment, node_id, node_name, kind, step, from_version, to_version,
            status, error, finished_at)
         SELECT v.*, 'pending', NULL, NULL
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::text[],
                     $8::text[], $9::text[], $10::text[]) AS v
         ON CONFLICT DO NOTHING`,
        [
          batch.map(() => randomUUID()),
          batch.map((r) => r.deploymentId),
          batch.map((r) => r.stageId),
          batch.map((r) => r.environment),
          batch.map((r) => r.nodeId),
          batch.map((r) => r.nodeName),
          batch.map((r) => r.kind),
          batch.map((r) => r.step),
          batch.map((r) => r.fromVersion),
          batch.map((r) => r.toVersion),
        ],
        PREPARED,
      );
    }
  }

  async finishOperations(
    stageId: string,
    step: string,
    kind: string,
    results: readonly { nodeId: string; ok: boolean; error?: string }[],
  ): Promise<void> {
    const now = new Date();
    const ok = results.filter((r) => r.ok).map((r) => r.nodeId);
    const failed = results.filter((r) => !r.ok);
    if (ok.length > 0) {
      await this.database.query(
        `UPDATE deployment_node_operations SET status = 'succeeded', finished_at = $5
         WHERE stage_id = $1 AND step = $2 AND kind = $3 AND node_id = ANY($4::uuid[])`,
        [stageId, step, kind, ok, now],
        PREPARED,
      );
    }
    if (failed.length > 0) {
      await this.database.query(
        `UPDATE deployment_node_operations o SET status = 'failed', error = f.error, finished_at = $6
         FROM unnest($4::uuid[], $5::text[]) AS f(node_id, error)
         WHERE o.stage_id = $1 AND o.step = $2 AND o.kind = $3 AND o.node_id = f.node_id`,
        [stageId, step, kind, failed.map((f) => f.nodeId), failed.map((f) => f.error ?? 'failed'), now],
        PREPARED,
      );
    }
  }

  operationsOfDeployment(deploymentId: string): Promise<NodeOperationEntity[]> {
    return this.database
      .repository(NodeOperationEntity)
      .find({ where: { deploymentId }, order: { createdAt: 'ASC' } });
  }

  // ---- canary measurements ----

  async insertMeasurement(row: Omit<CanaryMeasurementEntity, 'id' | 'createdAt'>): Promise<void> {
    const repository = this.database.repository(CanaryMeasurementEntity);
    await repository.save(repository.create({ ...row, id: randomUUID() }));
  }

  measurementsOf(deploymentId: string): Promise<CanaryMeasurementEntity[]> {
    return this.database
      .repository(CanaryMeasurementEntity)
      .find({ where: { deploymentId }, order: { createdAt: 'ASC' } });
  }
}
