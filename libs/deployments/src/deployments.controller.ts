import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Optional,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Role, type Principal } from '@hotswap/contracts';
import { IdempotencyExempt, Idempotent } from '@hotswap/coordination';
import { ApiProblems, CurrentPrincipal, Roles } from '@hotswap/http';
import type { Response } from 'express';
import { CreateDeploymentPipe, type ParsedDeploymentRequest } from './create-deployment.pipe';
import { DeploymentQueries } from './deployment-queries';
import { toDetail, toPlan } from './deployment.mapper';
import { CreateDeploymentDto } from './dto/create-deployment.dto';
import { ListDeploymentsQueryDto, RollbackRequestDto } from './dto/deployment-queries.dto';
import { DeploymentPageDto, DeploymentPlanDto, DeploymentResponseDto } from './dto/deployment.response.dto';
import { DeploymentsService } from './deployments.service';
import { ManualRollback } from './manual-rollback';
import { DEPLOYMENT_IMPACT, type DeploymentImpactPort } from './ports';

const uuid = new ParseUUIDPipe({ version: '4', errorHttpStatusCode: HttpStatus.NOT_FOUND });

@ApiTags('deployments')
@Controller('deployments')
export class DeploymentsController {
  constructor(
    @Inject(DeploymentsService) private readonly deployments: DeploymentsService,
    @Inject(DeploymentQueries) private readonly queries: DeploymentQueries,
    @Inject(ManualRollback) private readonly rollbacks: ManualRollback,
    @Optional() @Inject(DEPLOYMENT_IMPACT) private readonly impact?: DeploymentImpactPort,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles(Role.Deployer)
  @Idempotent()
  @ApiBody({ type: CreateDeploymentDto })
  @ApiOperation({
    operationId: 'createDeployment',
    summary: 'Start a deployment (asynchronous); `Location` names it.',
  })
  @ApiAcceptedResponse({ type: DeploymentResponseDto })
  @ApiProblems(400, 409, 415, 422)
  async create(
    @Body(CreateDeploymentPipe) body: ParsedDeploymentRequest,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeploymentResponseDto> {
    const { deployment, stages } = await this.deployments.createWithStages(
      body.request,
      principal,
      body.errors,
    );
    res.setHeader('Location', `/api/v1/deployments/${deployment.id}`);
    // The deployment as created (Queued, nothing measured or operated yet), from what the transaction
    // wrote: reading it back would cost four more queries per create.
    return toDetail(deployment, stages, [], []);
  }

  @Post('plan')
  @IdempotencyExempt('a dry run: it computes a plan and changes nothing, so repeating it is harmless')
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Deployer)
  @ApiBody({ type: CreateDeploymentDto })
  @ApiOperation({
    operationId: 'planDeployment',
    summary: 'What a deployment would do — stages, waves, gates, duration, conflicts — with no side effect.',
  })
  @ApiOkResponse({ type: DeploymentPlanDto })
  @ApiProblems(400, 415, 422)
  async plan(@Body(CreateDeploymentPipe) body: ParsedDeploymentRequest): Promise<DeploymentPlanDto> {
    const plan = await this.deployments.preview(body.request, body.errors);
    const dto = toPlan(plan, await this.queries.conflicts(plan));
    return this.impact === undefined
      ? dto
      : { ...dto, impact: await this.impact.impactOf(plan.moduleName, plan.version) };
  }

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'listDeployments', summary: 'Deployments, newest first, filtered.' })
  @ApiOkResponse({ type: DeploymentPageDto })
  @ApiProblems(400)
  list(@Query() query: ListDeploymentsQueryDto): Promise<DeploymentPageDto> {
    return this.queries.list(query);
  }

  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getDeployment',
    summary: 'A deployment: stages, progress, canary measurements, node results.',
  })
  @ApiOkResponse({ type: DeploymentResponseDto })
  @ApiProblems(404)
  get(@Param('id', uuid) id: string): Promise<DeploymentResponseDto> {
    return this.queries.detail(id);
  }

  @Post(':id/pause')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Deployer)
  @ApiOperation({ operationId: 'pauseDeployment', summary: 'Hold the rollout at its next step.' })
  @ApiOkResponse({ type: DeploymentResponseDto })
  @ApiProblems(404, 409)
  async pause(
    @Param('id', uuid) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeploymentResponseDto> {
    await this.deployments.act(id, 'pause', principal);
    return this.queries.detail(id);
  }

  @Post(':id/resume')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Deployer)
  @ApiOperation({ operationId: 'resumeDeployment', summary: 'Continue a paused deployment.' })
  @ApiOkResponse({ type: DeploymentResponseDto })
  @ApiProblems(404, 409)
  async resume(
    @Param('id', uuid) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeploymentResponseDto> {
    await this.deployments.act(id, 'resume', principal);
    return this.queries.detail(id);
  }

  @Post(':id/promote')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Deployer)
  @ApiOperation({
    operationId: 'promoteDeployment',
    summary: 'Skip the remaining canary waits and roll out to every node.',
  })
  @ApiOkResponse({ type: DeploymentResponseDto })
  @ApiProblems(404, 409)
  async promote(
    @Param('id', uuid) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeploymentResponseDto> {
    await this.deployments.act(id, 'promote', principal);
    return this.queries.detail(id);
  }

  @Post(':id/abort')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Deployer)
  @ApiOperation({
    operationId: 'abortDeployment',
    summary: 'Stop and roll back what the current environment changed.',
  })
  @ApiOkResponse({ type: DeploymentResponseDto })
  @ApiProblems(404, 409)
  async abort(
    @Param('id', uuid) id: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeploymentResponseDto> {
    await this.deployments.act(id, 'abort', principal);
    return this.queries.detail(id);
  }

  @Post(':id/retry')
  @Idempotent()
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles(Role.Deployer)
  @ApiOperation({
    operationId: 'retryDeployment',
    summary: 'Run a failed deployment again, as a new deployment.',
  })
  @ApiAcceptedResponse({ type: DeploymentResponseDto })
  @ApiProblems(404, 409, 422)
  async retry(
    @Param('id', uuid) id: string,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeploymentResponseDto> {
    const deployment = await this.deployments.retry(id, principal);
    res.setHeader('Location', `/api/v1/deployments/${deployment.id}`);
    return this.queries.detail(deployment.id);
  }

  @Post(':id/rollback')
  @Idempotent()
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles(Role.Deployer)
  @ApiOperation({
    operationId: 'rollbackDeployment',
    summary:
      'Restore, in the environments the deployment changed and only there, what each node ran before (or `toVersion`).',
  })
  @ApiAcceptedResponse({ type: DeploymentResponseDto })
  @ApiProblems(400, 404, 409, 422)
  async rollback(
    @Param('id', uuid) id: string,
    @Body() body: RollbackRequestDto,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) res: Response,
  ): Promise<DeploymentResponseDto> {
    const deployment = await this.rollbacks.start(id, body.toVersion, principal);
    res.setHeader('Location', `/api/v1/deployments/${deployment.id}`);
    return this.queries.detail(deployment.id);
  }
}
