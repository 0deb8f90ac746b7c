import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role, type Principal } from '@hotswap/contracts';
import { Idempotent } from '@hotswap/coordination';
import { ApiProblems, CurrentPrincipal, Roles } from '@hotswap/http';
import { ApprovalQueries } from './approval-queries';
import { ApprovalsService } from './approvals.service';
import {
  ApprovalListDto,
  ApprovalPageDto,
  ApprovalResponseDto,
  ApproveDto,
  ListApprovalsQueryDto,
  RejectDto,
} from './dto/approval.dto';

const uuid = new ParseUUIDPipe({ errorHttpStatusCode: HttpStatus.NOT_FOUND });

@ApiTags('approvals')
@Controller('approvals')
export class ApprovalsController {
  constructor(
    @Inject(ApprovalsService) private readonly approvals: ApprovalsService,
    @Inject(ApprovalQueries) private readonly queries: ApprovalQueries,
  ) {}

  @Get('pending')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'listPendingApprovals',
    summary: 'Open gates, soonest deadline first, with `expiresAt` and a human `timeRemaining`.',
  })
  @ApiOkResponse({ type: ApprovalListDto })
  pending(): Promise<ApprovalListDto> {
    return this.queries.pending();
  }

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'listApprovals', summary: 'Gates, newest first, by status and environment.' })
  @ApiOkResponse({ type: ApprovalPageDto })
  @ApiProblems(400)
  list(@Query() query: ListApprovalsQueryDto): Promise<ApprovalPageDto> {
    return this.queries.list(query);
  }

  @Get('deployments/:deploymentId')
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'listDeploymentApprovals', summary: 'Every gate of one deployment.' })
  @ApiOkResponse({ type: ApprovalListDto })
  @ApiProblems(404)
  ofDeployment(@Param('deploymentId', uuid) deploymentId: string): Promise<ApprovalListDto> {
    return this.queries.ofDeployment(deploymentId);
  }

  @Post('deployments/:deploymentId/approve')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Viewer)
  @Idempotent()
  @ApiBody({ type: ApproveDto })
  @ApiOperation({
    operationId: 'approveDeployment',
    summary:
      'Approve the open gate as the caller. Opens it once `quorum` distinct users approved; the pipeline then continues.',
  })
  @ApiOkResponse({ type: ApprovalResponseDto })
  @ApiProblems(400, 403, 404, 409)
  async approve(
    @Param('deploymentId', uuid) deploymentId: string,
    @Body() body: ApproveDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApprovalResponseDto> {
    return this.queries.one(await this.approvals.decide(deploymentId, principal, 'approved', body.reason));
  }

  @Post('deployments/:deploymentId/reject')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Viewer)
  @Idempotent()
  @ApiBody({ type: RejectDto })
  @ApiOperation({
    operationId: 'rejectDeployment',
    summary: 'Reject the open gate as the caller (reason required); the deployment fails at the gate.',
  })
  @ApiOkResponse({ type: ApprovalResponseDto })
  @ApiProblems(400, 403, 404, 409)
  async reject(
    @Param('deploymentId', uuid) deploymentId: string,
    @Body() body: RejectDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ApprovalResponseDto> {
    return this.queries.one(await this.approvals.decide(deploymentId, principal, 'rejected', body.reason));
  }
}
