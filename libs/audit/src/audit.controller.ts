import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Role } from '@hotswap/contracts';
import { ApiProblemResponse, RequestValidationError, Roles } from '@hotswap/http';
import { AuditService, type AuditPage } from './audit.service';
import { AuditPageQueryDto, AuditQueryDto, AuthenticationAuditQueryDto } from './dto/audit-query.dto';
import {
  AuditPageResponseDto,
  AuditRecordResponseDto,
  AuditVerificationResponseDto,
} from './dto/audit-record.response.dto';

const DEFAULT_PAGE_SIZE = 50;

function toPage(page: AuditPage): AuditPageResponseDto {
  return { items: page.items.map((r) => AuditRecordResponseDto.from(r)), nextCursor: page.nextCursor };
}

function traceIdParam(value: string): string {
  if (!/^[0-9a-f]{32}$/.test(value)) {
    throw new RequestValidationError([
      { field: 'traceId', message: 'traceId must be 32 lowercase hex digits' },
    ]);
  }
  return value;
}

/** The audit trail, for Admins only. */
@ApiTags('audit')
@Roles(Role.Admin)
@Controller('auditlogs')
export class AuditController {
  constructor(@Inject(AuditService) private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAuditLogs',
    summary: 'Audit records, newest first, filtered by action, category, actor, resource, time and trace.',
  })
  @ApiOkResponse({ type: AuditPageResponseDto })
  @ApiProblemResponse(400, 'Invalid filter, limit or cursor.')
  async listAuditLogs(@Query() query: AuditQueryDto): Promise<AuditPageResponseDto> {
    const { limit, cursor, actor, ...filter } = query;
    return toPage(await this.audit.find({ ...filter, actorName: actor }, limit ?? DEFAULT_PAGE_SIZE, cursor));
  }

  @Get('verify')
  @ApiOperation({
    operationId: 'verifyAuditLogs',
    summary: 'Recomputes the hash chain and reports whether every stored record is unaltered.',
  })
  @ApiOkResponse({ type: AuditVerificationResponseDto })
  verifyAuditLogs(): Promise<AuditVerificationResponseDto> {
    return this.audit.verify();
  }

  @Get('category/:category')
  @ApiOperation({ operationId: 'listAuditLogsByCategory', summary: 'Audit records of one category.' })
  @ApiParam({ name: 'category', example: 'authentication' })
  @ApiOkResponse({ type: AuditPageResponseDto })
  @ApiProblemResponse(400, 'Invalid filter, limit or cursor.')
  async listAuditLogsByCategory(
    @Param('category') category: string,
    @Query() query: AuditPageQueryDto,
  ): Promise<AuditPageResponseDto> {
    return toPage(
      await this.audit.find(
        { category: category.slice(0, 64) },
        query.limit ?? DEFAULT_PAGE_SIZE,
        query.cursor,
      ),
    );
  }

  @Get('trace/:traceId')
  @ApiOperation({ operationId: 'listAuditLogsByTrace', summary: 'Audit records written for one trace.' })
  @ApiParam({ name: 'traceId', schema: { type: 'string', pattern: '^[0-9a-f]{32}$' } })
  @ApiOkResponse({ type: AuditPageResponseDto })
  @ApiProblemResponse(400, 'Invalid filter, limit or cursor.')
  async listAuditLogsByTrace(
    @Param('traceId') traceId: string,
    @Query() query: AuditPageQueryDto,
  ): Promise<AuditPageResponseDto> {
    return toPage(
      await this.audit.find(
        { traceId: traceIdParam(traceId) },
        query.limit ?? DEFAULT_PAGE_SIZE,
        query.cursor,
      ),
    );
  }

  @Get('authentication/:username')
  @ApiOperation({
    operationId: 'listAuthenticationAuditLogs',
    summary:
      'Authentication events (logins, logouts, lockouts…) of one username, optionally in a time range.',
  })
  @ApiOkResponse({ type: AuditPageResponseDto })
  @ApiProblemResponse(400, 'Invalid filter, limit or cursor.')
  async listAuthenticationAuditLogs(
    @Param('username') username: string,
    @Query() query: AuthenticationAuditQueryDto,
  ): Promise<AuditPageResponseDto> {
    return toPage(
      await this.audit.find(
        {
          category: 'authentication',
          actorName: username.slice(0, 256),
          from: query.startDate,
          to: query.endDate,
        },
        query.limit ?? DEFAULT_PAGE_SIZE,
        query.cursor,
      ),
    );
  }
}
