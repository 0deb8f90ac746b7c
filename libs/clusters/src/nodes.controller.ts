import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Ip,
  Param,
  Post,
  Query,
  Headers,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { IdempotencyExempt, Idempotent } from '@hotswap/coordination';
import { Role, type Principal } from '@hotswap/contracts';
import {
  ApiProblems,
  CurrentPrincipal,
  DEFAULT_PAGE_SIZE,
  decodeCursor,
  encodeCursor,
  Public,
  Roles,
  RequestValidationError,
} from '@hotswap/http';
import {
  DrainDto,
  EnrollDto,
  EnrollResponseDto,
  NodeIdParams,
  NodeListQueryDto,
  NodePageDto,
  NodeResponseDto,
} from './dto/node.dto';
import { EnrollmentService } from './enrollment.service';
import { EnvironmentsService } from './environments.service';
import { toNodeResponse } from './node.mapper';
import { NodesService } from './nodes.service';

function nodeCursor(value: unknown): { name: string; id: string } | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && typeof value[0] === 'string' && typeof value[1] === 'string') {
    return { name: value[0], id: value[1] };
  }
  throw new RequestValidationError([
    { field: 'cursor', message: 'cursor is not a cursor this list returned' },
  ]);
}

@ApiTags('nodes')
@Controller('nodes')
export class NodesController {
  constructor(
    @Inject(NodesService) private readonly nodes: NodesService,
    @Inject(EnrollmentService) private readonly enrollment: EnrollmentService,
    @Inject(EnvironmentsService) private readonly environments: EnvironmentsService,
  ) {}

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'listNodes',
    summary: 'Nodes by name; filter by environment, status, label, kind.',
  })
  @ApiOkResponse({ type: NodePageDto })
  @ApiProblems(400, 404)
  async list(@Query() query: NodeListQueryDto): Promise<NodePageDto> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const after = nodeCursor(decodeCursor(query.cursor));
    const [labelKey, ...rest] = query.label?.split('=') ?? [];
    const views = await this.nodes.list(
      {
        environment: query.environment,
        status: query.status,
        kind: query.kind,
        labels: labelKey === undefined ? undefined : { [labelKey]: rest.join('=') },
      },
      after,
      limit + 1,
    );
    const page = views.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map(toNodeResponse),
      nextCursor:
        views.length > limit && last !== undefined ? encodeCursor([last.node.name, last.node.id]) : null,
    };
  }

  @Post('enroll')
  @IdempotencyExempt(
    'agent endpoint: the enrollment token is single-use and the response carries the node credential, shown once, which must not be stored for replay',
  )
  @Public()
  @ApiOperation({
    operationId: 'enrollNode',
    summary: 'Exchange an enrollment token for a node and its credential (the token is the credential).',
  })
  @ApiCreatedResponse({ type: EnrollResponseDto })
  @ApiProblems(400, 401, 409)
  async enroll(
    @Body() body: EnrollDto,
    @Ip() ip: string,
    @Headers('user-agent') userAgent: string | undefined,
  ): Promise<EnrollResponseDto> {
    const labels = body.labels ?? {};
    const bad = Object.entries(labels).filter(
      ([k, v]) => typeof v !== 'string' || k.length > 63 || v.length > 253,
    );
    if (bad.length > 0 || Object.keys(labels).length > 50) {
      throw new RequestValidationError([
        {
          field: 'labels',
          message: 'labels must be at most 50 string values (keys ≤ 63, values ≤ 253 characters)',
        },
      ]);
    }
    const { node, credential } = await this.enrollment.enroll(
      { token: body.token, name: body.name, labels, agentVersion: body.agentVersion },
      { ip, userAgent: userAgent ?? null },
    );
    return { nodeId: node.id, credential, environment: await this.environments.nameOf(node.environmentId) };
  }

  @Get(':id')
  @Roles(Role.Viewer)
  @ApiOperation({ operationId: 'getNode', summary: 'One node with its module slots and latest metrics.' })
  @ApiOkResponse({ type: NodeResponseDto })
  @ApiProblems(400, 404)
  async get(@Param() params: NodeIdParams): Promise<NodeResponseDto> {
    return toNodeResponse(await this.nodes.get(params.id));
  }

  @Post(':id/drain')
  @Idempotent()
  @HttpCode(HttpStatus.OK)
  @Roles(Role.Deployer)
  @ApiOperation({ operationId: 'drainNode', summary: 'Take a node out of rotation (status Draining).' })
  @ApiOkResponse({ type: NodeResponseDto })
  @ApiProblems(400, 404, 409)
  async drain(
    @Param() params: NodeIdParams,
    @Body() body: DrainDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NodeResponseDto> {
    return toNodeResponse(await this.nodes.drain(params.id, body.reason, principal));
  }

  @Delete(':id')
  @Idempotent()
  @HttpCode(HttpStatus.NO_CONTENT)
  @Roles(Role.Admin)
  @ApiOperation({ operationId: 'decommissionNode', summary: 'Remove a node; its credential stops working.' })
  @ApiNoContentResponse({ description: 'Decommissioned.' })
  @ApiProblems(400, 404)
  async decommission(@Param() params: NodeIdParams, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.nodes.decommission(params.id, principal);
  }
}
