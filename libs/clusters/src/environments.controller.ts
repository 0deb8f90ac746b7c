import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdempotencyExempt, Idempotent } from '@hotswap/coordination';
import { Role, type Principal } from '@hotswap/contracts';
import { ApiProblems, CurrentPrincipal, Roles } from '@hotswap/http';
import {
  CreateEnvironmentDto,
  EnvironmentNameParams,
  EnvironmentResponseDto,
  FreezeDto,
  UpdateEnvironmentDto,
} from './dto/environment.dto';
import { CreateEnrollmentTokenDto, EnrollmentTokenResponseDto } from './dto/node.dto';
import { EnrollmentService } from './enrollment.service';
import { toEnvironmentResponse } from './environment.mapper';
import { EnvironmentsService } from './environments.service';

@ApiTags('environments')
@Controller('environments')
export class EnvironmentsController {
  constructor(
    @Inject(EnvironmentsService) private readonly environments: EnvironmentsService,
    @Inject(EnrollmentService) private readonly enrollment: EnrollmentService,
  ) {}

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'listEnvironments', summary: 'Environments in promotion order (by rank).' })
  @ApiOkResponse({ type: [EnvironmentResponseDto] })
  async list(): Promise<EnvironmentResponseDto[]> {
    return (await this.environments.list()).map(toEnvironmentResponse);
  }

  @Get(':name')
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'getEnvironment',
    summary: 'One environment and its policy (name case-insensitive).',
  })
  @ApiOkResponse({ type: EnvironmentResponseDto })
  @ApiProblems(400, 404)
  async get(@Param() params: EnvironmentNameParams): Promise<EnvironmentResponseDto> {
    return toEnvironmentResponse(await this.environments.get(params.name));
  }

  @Post()
  @Idempotent()
  @Roles(Role.Admin)
  @ApiOperation({
    operationId: 'createEnvironment',
    summary: 'Add an environment with a rank (promotion order).',
  })
  @ApiCreatedResponse({ type: EnvironmentResponseDto })
  @ApiProblems(400, 409)
  async create(
    @Body() body: CreateEnvironmentDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnvironmentResponseDto> {
    return toEnvironmentResponse(await this.environments.create(body, principal));
  }

  @Patch(':name')
  @Idempotent()
  @Roles(Role.Admin)
  @ApiOperation({
    operationId: 'updateEnvironment',
    summary: 'Change strategy defaults, approval policy, signing rule or concurrency cap.',
  })
  @ApiOkResponse({ type: EnvironmentResponseDto })
  @ApiProblems(400, 404)
  async update(
    @Param() params: EnvironmentNameParams,
    @Body() body: UpdateEnvironmentDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnvironmentResponseDto> {
    return toEnvironmentResponse(await this.environments.update(params.name, body, principal));
  }

  @Post(':name/freeze')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Admin)
  @ApiOperation({
    operationId: 'freezeEnvironment',
    summary: 'Stop the line: no new deployments start here.',
  })
  @ApiOkResponse({ type: EnvironmentResponseDto })
  @ApiProblems(400, 404, 409)
  async freeze(
    @Param() params: EnvironmentNameParams,
    @Body() body: FreezeDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnvironmentResponseDto> {
    return toEnvironmentResponse(
      await this.environments.setFrozen(params.name, true, body.reason, principal),
    );
  }

  @Post(':name/unfreeze')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Admin)
  @ApiOperation({ operationId: 'unfreezeEnvironment', summary: 'Lift a freeze.' })
  @ApiOkResponse({ type: EnvironmentResponseDto })
  @ApiProblems(400, 404, 409)
  async unfreeze(
    @Param() params: EnvironmentNameParams,
    @Body() body: FreezeDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnvironmentResponseDto> {
    return toEnvironmentResponse(
      await this.environments.setFrozen(params.name, false, body.reason, principal),
    );
  }

  @Post(':name/enrollment-tokens')
  @IdempotencyExempt(
    'the response carries the enrollment token, shown once: it must not be stored for replay',
  )
  @Roles(Role.Admin)
  @ApiOperation({
    operationId: 'createEnrollmentToken',
    summary: 'Issue a token an agent enrols with (shown once; stored hashed).',
  })
  @ApiCreatedResponse({ type: EnrollmentTokenResponseDto })
  @ApiProblems(400, 404)
  async createEnrollmentToken(
    @Param() params: EnvironmentNameParams,
    @Body() body: CreateEnrollmentTokenDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EnrollmentTokenResponseDto> {
    const issued = await this.enrollment.issueToken(params.name, body, principal);
    return {
      id: issued.id,
      token: issued.token,
      environment: issued.environment,
      expiresAt: issued.expiresAt.toISOString(),
      usesLeft: issued.usesLeft,
    };
  }
}
