import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DeploymentErrorCode, type Principal } from '@hotswap/contracts';
import { actorOf, AuditService } from '@hotswap/audit';
import { Database } from '@hotswap/database';
import { EventLog } from '@hotswap/events';
import {
  actionAllowed,
  DeploymentAction,
  DeploymentStatus,
  type DeploymentStatus as Status,
} from './deployment-state';
import { DeploymentError, deploymentNotFound } from './deployment.errors';
import { DeploymentMetrics } from './deployment.metrics';
import { RESTORE_PARAM, VERIFY_WINDOW_PARAM } from './engine-params';
import { DeploymentsRepository } from './deployments.repository';
import { newDeploymentRow, newStageRow } from './new-rows';
import { signaturePolicyRefusal } from './signature-policy';
import type { DeploymentEntity } from './entities/deployment.entity';
import type { NodeOperationEntity } from './entities/node-operation.entity';
import {
  DEPLOYMENT_SCHEDULER,
  ENVIRONMENTS,
  MODULE_CATALOG,
  type DeploymentScheduler,
  type EnvironmentsPort,
  type ModuleCatalogPort,
} from './ports';

/** One node to put back: the version it ran before the deployment, or the requested one. */
export interface RestoreTarget {
  readonly nodeId: string;
  readonly nodeName: string;
  readonly version: string;
}

/**
 * Nodes a deployment changed and did not undo itself: their last successful install/activate, with
 * the version they ran before it, minus nodes it rolled back afterwards.
 */
export function changedNodes(
  operations: readonly NodeOperationEntity[],
): Map<string, { environment: string; nodeName: string; before: string | null }> {
  const changed = new Map<string, { environment: string; nodeName: string; before: string | null }>();
  for (const op of operations) {
    if (op.status !== 'succeeded') continue;
    if (op.kind === 'install' || op.kind === 'activate') {
      const previous = changed.get(op.nodeId);
      changed.set(op.nodeId, {
        environment: op.environment,
        nodeName: op.nodeName,
        before: previous?.before ?? op.fromVersion,
      });
    } else if (op.kind === 'rollback') {
      changed.delete(op.nodeId);
    }
  }
  return changed;
}

/** `POST /deployments/{id}/rollback`: a new deployment of kind `rollback`, run asynchronously. */
@Injectable()
export class ManualRollback {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(DeploymentsRepository) private readonly repository: DeploymentsRepository,
    @Inject(ENVIRONMENTS) private readonly environments: EnvironmentsPort,
    @Inject(MODULE_CATALOG) private readonly catalog: ModuleCatalogPort,
    @Inject(EventLog) private readonly events: EventLog,
    @Inject(DEPLOYMENT_SCHEDULER) private readonly scheduler: DeploymentScheduler,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(DeploymentMetrics) private readonly metrics: DeploymentMetrics,
  ) {}

  async start(id: string, toVersion: string | undefined, principal: Principal): Promise<DeploymentEntity> {
    const original = await this.repository.find(id);
    if (original === null) throw deploymentNotFound(id);
    if (!actionAllowed(DeploymentAction.Rollback, original.status as Status)) {
      throw new DeploymentError(
        DeploymentErrorCode.ActionNotAllowed,
        `Cannot roll back deployment ${id}: it is ${original.status}.`,
        [],
        { deploymentStatus: original.status },
      );
    }
    // Read (and, for `toVersion`, verified) before the nodes are: a missing version answers 422 first.
    const inspected =
      toVersion === undefined ? undefined : await this.catalog.inspect(original.moduleName, toVersion);
    if (toVersion !== undefined && inspected?.version === null)
      throw new DeploymentError(
        DeploymentErrorCode.NotDeployable,
        `${original.moduleName}@${toVersion} does not exist in the registry.`,
      );
    const changed = changedNodes(await this.repository.operationsOfDeployment(id));
    const targets = new Map<string, RestoreTarget[]>();
    for (const [nodeId, change] of changed) {
      const version = toVersion ?? change.before;
      if (version === null) continue;
      const list = targets.get(change.environment) ?? [];
      list.push({ nodeId, nodeName: change.nodeName, version });
      targets.set(change.environment, list);
    }
    if (targets.size === 0) {
      throw new DeploymentError(
        DeploymentErrorCode.NotDeployable,
        `Deployment ${id} left no node changed: there is nothing to roll back.`,
      );
    }
    const ranked = (await this.environments.list())
      .filter((e) => targets.has(e.name))
      .sort((a, b) => b.rank - a.rank);
    // A `toVersion` is any version of the registry, not one the nodes ran before, and a rollback has no
    // Verify stage: it must pass the signature policy of the environments it restores into here.
    if (toVersion !== undefined && inspected !== undefined) {
      const refusal = signaturePolicyRefusal(original.moduleName, toVersion, inspected.verification, ranked);
      if (refusal !== null)
        throw new DeploymentError(
          DeploymentErrorCode.NotDeployable,
          `${original.moduleName}@${toVersion} cannot be restored: ${refusal}.`,
        );
    }
    const created = await this.database.transaction(async () => {
      await this.repository.lockModuleCreation(original.moduleName);
      const active = await this.repository.activeFor(
        original.moduleName,
        ranked.map((e) => e.name),
        [
          DeploymentStatus.Queued,
          DeploymentStatus.PendingApproval,
          DeploymentStatus.Running,
          DeploymentStatus.Paused,
        ],
      );
      const blocking = active[0];
      if (blocking !== undefined) {
        throw new DeploymentError(
          DeploymentErrorCode.ActiveDeploymentExists,
          `Deployment ${blocking.id} of ${original.moduleName} is still active.`,
          [],
          {
            activeDeploymentId: blocking.id,
            activeDeployment: `/api/v1/deployments/${blocking.id}`,
          },
        );
      }
      const newId = randomUUID();
      const versions = [...new Set([...targets.values()].flat().map((t) => t.version))];
      const deployment = await this.repository.insertDeployment(
        newDeploymentRow({
          id: newId,
          kind: 'rollback',
          moduleName: original.moduleName,
          version:
            toVersion ?? (versions.length === 1 ? (versions[0] ?? original.version) : original.version),
          targetEnvironment: ranked[0]?.name ?? original.targetEnvironment,
          strategy: null,
          strategyParams: {},
          promotion: 'target-only',
          description: `Rollback of ${original.moduleName}@${original.version} (${original.id})`,
          metadata: {},
          requestedBy: principal.username ?? principal.id,
          rollbackOf: original.id,
          retryOf: null,
        }),
      );
      await this.repository.insertStages([
        ...ranked.map((environment, position) =>
          newStageRow({
            deploymentId: newId,
            position,
            name: `Roll back ${environment.name}`,
            kind: 'environment',
            environment: environment.name,
            strategy: null,
            params: {
              [RESTORE_PARAM]: targets.get(environment.name) ?? [],
              [VERIFY_WINDOW_PARAM]: Number(original.strategyParams[VERIFY_WINDOW_PARAM] ?? 0),
            },
            nodesTotal: targets.get(environment.name)?.length ?? 0,
            waves: 1,
          }),
        ),
        newStageRow({
          deploymentId: newId,
          position: ranked.length,
          name: 'Complete',
          kind: 'complete',
          environment: null,
          strategy: null,
          params: {},
          nodesTotal: 0,
          waves: 0,
        }),
      ]);
      await this.events.append(
        'deployment.created',
        { deploymentId: newId, moduleName: original.moduleName, environment: deployment.targetEnvironment },
        {
          kind: 'rollback',
          module: original.moduleName,
          version: deployment.version,
          target: deployment.targetEnvironment,
          strategy: null,
          requestedBy: deployment.requestedBy,
        },
      );
      // The job before the audit record: the audit chain's lock is then held only until the commit.
      await this.scheduler.schedule(newId);
      await this.audit.record({
        category: 'deployments',
        action: 'deployment.rollback',
        result: 'success',
        actor: actorOf(principal),
        resource: { type: 'deployment', id: newId },
        details: {
          rollbackOf: original.id,
          toVersion: toVersion ?? null,
          environments: ranked.map((e) => e.name),
        },
      });
      return deployment;
    });
    // Counted once the rollback deployment committed (a refused request counts nothing).
    this.metrics.rollback(created.targetEnvironment, 'manual');
    return created;
  }
}
