import { Inject, Injectable, Optional } from '@nestjs/common';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, RequestValidationError } from '@hotswap/http';
import type { DeploymentPlan } from './deployment-planner';
import { DeploymentStatus } from './deployment-state';
import { deploymentNotFound } from './deployment.errors';
import { toDetail, toSummary } from './deployment.mapper';
import { DeploymentsRepository } from './deployments.repository';
import type { ListDeploymentsQueryDto } from './dto/deployment-queries.dto';
import type { DeploymentPageDto, DeploymentResponseDto } from './dto/deployment.response.dto';
import { DEPLOYMENT_APPROVALS, type DeploymentApprovalsPort } from './ports';

/** Read side: lists and the full view of one deployment. */
@Injectable()
export class DeploymentQueries {
  constructor(
    @Inject(DeploymentsRepository) private readonly repository: DeploymentsRepository,
    @Optional() @Inject(DEPLOYMENT_APPROVALS) private readonly approvals?: DeploymentApprovalsPort,
  ) {}

  async detail(id: string): Promise<DeploymentResponseDto> {
    const found = await this.repository.findWithRollbacks(id);
    if (found === null) throw deploymentNotFound(id);
    const { deployment, rolledBackBy } = found;
    const [stages, measurements, operations, approvals] = await Promise.all([
      this.repository.stagesOf(id),
      this.repository.measurementsOf(id),
      this.repository.operationsOfDeployment(id),
      this.approvals?.approvalsOf(id) ?? [],
    ]);
    return toDetail(deployment, stages, measurements, operations, approvals, rolledBackBy);
  }

  async list(query: ListDeploymentsQueryDto): Promise<DeploymentPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const cursor = decodeCursor(query.cursor);
    let before: { createdAt: Date; id: string } | undefined;
    if (cursor !== undefined) {
      const c: { at?: unknown; id?: unknown } | null = typeof cursor === 'object' ? cursor : null;
      if (c === null || typeof c.at !== 'string' || typeof c.id !== 'string') {
        throw new RequestValidationError([
          { field: 'cursor', message: 'cursor is not a cursor this list returned' },
        ]);
      }
      before = { createdAt: new Date(c.at), id: c.id };
    }
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from !== undefined && to !== undefined && from >= to)
      throw new RequestValidationError([{ field: 'from', message: 'from must be before to' }]);
    const rows = await this.repository.list({
      moduleName: query.module,
      environment: query.environment,
      status: query.status,
      requestedBy: query.requestedBy,
      from,
      to,
      before,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toSummary),
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodeCursor({ at: last.createdAt.toISOString(), id: last.id })
          : null,
    };
  }

  /** Active deployments of the module in any environment of the plan's path. */
  async conflicts(plan: DeploymentPlan): Promise<string[]> {
    const path = plan.stages.filter((s) => s.kind === 'environment').map((s) => s.environment ?? '');
    const active = await this.repository.activeFor(plan.moduleName, path, [
      DeploymentStatus.Queued,
      DeploymentStatus.PendingApproval,
      DeploymentStatus.Running,
      DeploymentStatus.Paused,
    ]);
    return active.map((d) => `${d.id} (${d.moduleName}@${d.version} to ${d.targetEnvironment}, ${d.status})`);
  }
}
