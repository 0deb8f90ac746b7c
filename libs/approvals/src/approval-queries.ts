import { Inject, Injectable } from '@nestjs/common';
import { Clock } from '@hotswap/contracts';
import { DeploymentsService } from '@hotswap/deployments';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, RequestValidationError } from '@hotswap/http';
import { toApprovalResponse } from './approval.mapper';
import { ApprovalsRepository } from './approvals.repository';
import type {
  ApprovalListDto,
  ApprovalPageDto,
  ApprovalResponseDto,
  ListApprovalsQueryDto,
} from './dto/approval.dto';
import type { ApprovalRequestEntity } from './entities/approval-request.entity';

/** How many open gates `/approvals/pending` shows (soonest deadline first). */
const PENDING_LIMIT = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Read side of approvals. */
@Injectable()
export class ApprovalQueries {
  constructor(
    @Inject(ApprovalsRepository) private readonly repository: ApprovalsRepository,
    @Inject(DeploymentsService) private readonly deployments: DeploymentsService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async view(gates: readonly ApprovalRequestEntity[]): Promise<ApprovalResponseDto[]> {
    const decisions = await this.repository.decisionsOf(gates.map((g) => g.id));
    const now = this.clock.now();
    return gates.map((g) => toApprovalResponse(g, decisions, now));
  }

  async one(gate: ApprovalRequestEntity): Promise<ApprovalResponseDto> {
    const [view] = await this.view([gate]);
    if (view === undefined) throw new Error('a gate always has a view');
    return view;
  }

  async pending(): Promise<ApprovalListDto> {
    return { items: await this.view(await this.repository.pending(PENDING_LIMIT)) };
  }

  async ofDeployment(deploymentId: string): Promise<ApprovalListDto> {
    const gates = await this.repository.ofDeployment(deploymentId);
    if (gates.length === 0) await this.deployments.get(deploymentId); // 404 for an unknown deployment
    return { items: await this.view(gates) };
  }

  async list(query: ListApprovalsQueryDto): Promise<ApprovalPageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const cursor = decodeCursor(query.cursor);
    let before: { requestedAt: Date; id: string } | undefined;
    if (cursor !== undefined) {
      const c: { at?: unknown; id?: unknown } | null = typeof cursor === 'object' ? cursor : null;
      const at = typeof c?.at === 'string' ? new Date(c.at) : undefined;
      if (at === undefined || Number.isNaN(at.getTime()) || typeof c?.id !== 'string' || !UUID.test(c.id)) {
        throw new RequestValidationError([
          { field: 'cursor', message: 'cursor is not a cursor this list returned' },
        ]);
      }
      before = { requestedAt: at, id: c.id };
    }
    const rows = await this.repository.list({
      status: query.status,
      environment: query.environment,
      before,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.view(page),
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodeCursor({ at: last.requestedAt.toISOString(), id: last.id })
          : null,
    };
  }
}
