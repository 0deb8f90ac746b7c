import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DeploymentErrorCode, type FieldError, type Principal } from '@hotswap/contracts';
import { actorOf, AuditService } from '@hotswap/audit';
import { Database } from '@hotswap/database';
import { EventLog } from '@hotswap/events';
import { DeploymentPlanner, type DeploymentPlan } from './deployment-planner';
import {
  actionAllowed,
  DeploymentAction,
  DeploymentStatus,
  isTerminal,
  type DeploymentStatus as Status,
} from './deployment-state';
import { DeploymentError, deploymentNotFound } from './deployment.errors';
import { DeploymentsRepository } from './deployments.repository';
import { newDeploymentRow, newStageRow } from './new-rows';
import type { CreateDeploymentDto } from './dto/create-deployment.dto';
import type { DeploymentEntity } from './entities/deployment.entity';
import type { DeploymentStageEntity } from './entities/deployment-stage.entity';
import { DEPLOYMENT_SCHEDULER, type DeploymentScheduler } from './ports';

const ACTIVE_STATUSES: readonly Status[] = [
  DeploymentStatus.Queued,
  DeploymentStatus.PendingApproval,
  DeploymentStatus.Running,
  DeploymentStatus.Paused,
];

/** Accepting deployments and operator actions; the runner does the work. */
@Injectable()
export class DeploymentsService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(DeploymentsRepository) private readonly repository: DeploymentsRepository,
    @Inject(DeploymentPlanner) private readonly planner: DeploymentPlanner,
    @Inject(EventLog) private readonly events: EventLog,
    @Inject(DEPLOYMENT_SCHEDULER) private readonly scheduler: DeploymentScheduler,
    @Inject(AuditService) private readonly audit: AuditService,
  ) {}

  preview(request: CreateDeploymentDto, fieldErrors: readonly FieldError[] = []): Promise<DeploymentPlan> {
    return this.planner.plan(request, fieldErrors);
  }

  /** Validates, plans and records a deployment with its stages, event and job in one transaction. */
  async create(
    request: CreateDeploymentDto,
    principal: Principal,
    fieldErrors: readonly FieldError[] = [],
    options: { kind?: 'deploy' | 'rollback'; rollbackOf?: string; retryOf?: string } = {},
  ): Promise<DeploymentEntity> {
    return (await this.createWithStages(request, principal, fieldErrors, options)).deployment;
  }

  /** {@link create}, also returning the stages as written (the state the deployment was created in). */
  async createWithStages(
    request: CreateDeploymentDto,
    principal: Principal,
    fieldErrors: readonly FieldError[] = [],
    options: { kind?: 'deploy' | 'rollback'; rollbackOf?: string; retryOf?: string } = {},
  ): Promise<{ deployment: DeploymentEntity; stages: DeploymentStageEntity[] }> {
    const plan = await this.planner.plan(request, fieldErrors);
    const path = plan.stages.filter((s) => s.kind === 'environment').map((s) => s.environment ?? '');
    const frozen = plan.environments.filter((e) => path.includes(e.name) && e.frozen);
    if (frozen.length > 0) {
      throw new DeploymentError(
        DeploymentErrorCode.EnvironmentFrozen,
        `${frozen.map((e) => `${e.name} is frozen${e.frozenReason ? `: ${e.frozenReason}` : ''}`).join('; ')}.`,
      );
    }
    return this.database.transaction(async () => {
      // In a statement of its own, before the check: the check's snapshot then includes every
      // deployment of the module committed by a request that held the lock before this one.
      await this.repository.lockModuleCreation(plan.moduleName);
      await this.assertNoActiveDeployment(plan.moduleName, path);
      const id = randomUUID();
      const requestedBy = principal.username ?? principal.id;
      // The deployment, its stages, its event and its audit record: independent rows, one statement.
      const [deployment, stages] = await this.database.together(() =>
        Promise.all([
          this.repository.insertDeployment(
            newDeploymentRow({
              id,
              kind: options.kind ?? 'deploy',
              moduleName: plan.moduleName,
              version: plan.version,
              targetEnvironment: plan.targetEnvironment,
              strategy: request.strategy ?? null,
              strategyParams: request.strategyParams ?? {},
              promotion: plan.promotion,
              description: request.description ?? null,
              metadata: (request.metadata ?? {}) as Record<string, string>,
              requestedBy,
              rollbackOf: options.rollbackOf ?? null,
              retryOf: options.retryOf ?? null,
            }),
          ),
          this.repository.insertStages(
            plan.stages.map((stage, position) =>
              newStageRow({
                deploymentId: id,
                position,
                name: stage.kind === 'environment' ? `Deploy to ${stage.name}` : stage.name,
                kind: stage.kind,
                environment: stage.environment,
                strategy: stage.strategy,
                params: stage.params,
                nodesTotal: stage.nodes.length,
                waves: stage.waves.length,
              }),
            ),
          ),
          this.events.appendMany([
            {
              type: 'deployment.created',
              subject: { deploymentId: id, moduleName: plan.moduleName, environment: plan.targetEnvironment },
              payload: {
                kind: options.kind ?? 'deploy',
                module: plan.moduleName,
                version: plan.version,
                target: plan.targetEnvironment,
                // The strategy the target will be deployed with: the requested one, else the target's default.
                strategy:
                  request.strategy ??
                  plan.stages.find(
                    (s) => s.kind === 'environment' && s.environment === plan.targetEnvironment,
                  )?.strategy ??
                  null,
                requestedBy,
              },
            },
          ]),
          this.audit.record({
            category: 'deployments',
            action: options.retryOf === undefined ? 'deployment.create' : 'deployment.retry',
            result: 'success',
            actor: actorOf(principal),
            resource: { type: 'deployment', id },
            details: {
              module: plan.moduleName,
              version: plan.version,
              target: plan.targetEnvironment,
              retryOf: options.retryOf ?? null,
            },
          }),
        ]),
      );
      await this.scheduler.schedule(id);
      return { deployment, stages };
    });
  }

  private async assertNoActiveDeployment(moduleName: string, environments: readonly string[]): Promise<void> {
    const active = await this.repository.activeFor(moduleName, environments, ACTIVE_STATUSES);
    const first = active[0];
    if (first !== undefined) {
      throw new DeploymentError(
        DeploymentErrorCode.ActiveDeploymentExists,
        `Deployment ${first.id} of ${moduleName} (${first.version} to ${first.targetEnvironment}, ${first.status}) is still active in an environment of this path; wait for it, or abort it.`,
        [],
        { activeDeploymentId: first.id, activeDeployment: `/api/v1/deployments/${first.id}` },
      );
    }
  }

  async get(id: string): Promise<DeploymentEntity> {
    const deployment = await this.repository.find(id);
    if (deployment === null) throw deploymentNotFound(id);
    return deployment;
  }

  /** pause / resume / promote / abort: 409 when the state does not allow it. */
  async act(
    id: string,
    action: 'pause' | 'resume' | 'promote' | 'abort',
    principal: Principal,
  ): Promise<DeploymentEntity> {
    return this.database.transaction(async () => {
      const deployment = await this.repository.findForUpdate(id);
      if (deployment === null) throw deploymentNotFound(id);
      this.assertAllowed(deployment, action);
      switch (action) {
        case DeploymentAction.Pause:
          await this.repository.updateDeployment(id, { pauseRequested: true });
          break;
        case DeploymentAction.Resume:
          await this.repository.updateDeployment(id, {
            status: DeploymentStatus.Running,
            statusReason: 'Resumed by an operator',
            pauseRequested: false,
          });
          await this.events.append(
            'deployment.status_changed',
            {
              deploymentId: id,
              moduleName: deployment.moduleName,
              environment: deployment.targetEnvironment,
            },
            { from: deployment.status, to: DeploymentStatus.Running, reason: 'Resumed by an operator' },
          );
          break;
        case DeploymentAction.Promote:
          await this.repository.updateDeployment(id, {
            promoteRequested: true,
            ...(deployment.status === DeploymentStatus.Paused
              ? { status: DeploymentStatus.Running, statusReason: 'Promoted by an operator' }
              : {}),
          });
          if (deployment.status === DeploymentStatus.Paused) {
            await this.events.append(
              'deployment.status_changed',
              {
                deploymentId: id,
                moduleName: deployment.moduleName,
                environment: deployment.targetEnvironment,
              },
              { from: deployment.status, to: DeploymentStatus.Running, reason: 'Promoted by an operator' },
            );
          }
          break;
        case DeploymentAction.Abort:
          await this.repository.updateDeployment(id, {
            abortRequested: true,
            ...(deployment.status === DeploymentStatus.Paused
              ? { status: DeploymentStatus.Running, statusReason: 'Aborting' }
              : {}),
          });
          break;
      }
      await this.scheduler.schedule(id);
      await this.audit.record({
        category: 'deployments',
        action: `deployment.${action}`,
        result: 'success',
        actor: actorOf(principal),
        resource: { type: 'deployment', id },
        details: { from: deployment.status },
      });
      const updated = await this.repository.find(id);
      if (updated === null) throw deploymentNotFound(id);
      return updated;
    });
  }

  private assertAllowed(deployment: DeploymentEntity, action: DeploymentAction): void {
    if (
      !actionAllowed(action, deployment.status as Status) ||
      (action === DeploymentAction.Abort && deployment.abortRequested)
    ) {
      throw new DeploymentError(
        DeploymentErrorCode.ActionNotAllowed,
        `Cannot ${action} deployment ${deployment.id}: it is ${deployment.status}${deployment.abortRequested ? ' and already aborting' : ''}.`,
        [],
        // Not `status`: on a problem document that member is the HTTP status and would hide this one.
        { deploymentStatus: deployment.status },
      );
    }
  }

  /** A failed deployment, run again as a new deployment with the same request. */
  async retry(id: string, principal: Principal): Promise<DeploymentEntity> {
    const original = await this.get(id);
    this.assertAllowed(original, DeploymentAction.Retry);
    return this.create(this.requestOf(original), principal, [], { retryOf: original.id });
  }

  isActive(status: string): boolean {
    return !isTerminal(status as Status);
  }

  requestOf(deployment: DeploymentEntity): CreateDeploymentDto {
    return {
      moduleName: deployment.moduleName,
      version: deployment.version,
      targetEnvironment: deployment.targetEnvironment,
      ...(deployment.strategy === null ? {} : { strategy: deployment.strategy }),
      strategyParams: deployment.strategyParams,
      ...(deployment.description === null ? {} : { description: deployment.description }),
      metadata: deployment.metadata,
      promotion: deployment.promotion,
    };
  }
}
