import { IdempotencyExempt } from '@hotswap/coordination';
import {
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Inject,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { AppConfig } from '@hotswap/config';
import { PlatformErrorCode, Role, type FieldError, type Principal } from '@hotswap/contracts';
import {
  ApiProblems,
  CurrentPrincipal,
  DomainError,
  RateLimit,
  RateLimitedError,
  RequestValidationError,
  Roles,
} from '@hotswap/http';
import {
  decideStream,
  EventStreams,
  forbiddenMessage,
  parseStreamRequest,
  resolveFilter,
  seqParam,
  single,
  splitTypes,
  openSseStream,
  TooManyStreamsError,
  WireEvent,
  type FilterRequest,
  type StreamFilter,
} from '@hotswap/event-core';
import type { Request, Response } from 'express';
import { EventPageDto, StreamTicketDto, type EventDto } from './dto/events.dto';
import { EventLog } from './event-log';
import { StreamTickets } from './stream-auth';

const MAX_HISTORY = 1_000;

function principalOf(req: Request): Principal | undefined {
  const user = (req as { user?: unknown }).user;
  return typeof user === 'object' && user !== null && 'roles' in user ? (user as Principal) : undefined;
}

function filterOrThrow(request: FilterRequest, roles: Principal['roles']): StreamFilter {
  const result = resolveFilter(request, roles);
  if (result.ok) return result.filter;
  if (result.status === 'invalid') throw new RequestValidationError(result.errors);
  throw new DomainError(PlatformErrorCode.Forbidden, forbiddenMessage(result.types));
}

@ApiTags('events')
@Controller('events')
export class EventsController {
  constructor(
    @Inject(EventLog) private readonly log: EventLog,
    @Inject(EventStreams) private readonly streams: EventStreams,
    @Inject(StreamTickets) private readonly tickets: StreamTickets,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  @Get()
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'listEvents',
    summary: 'The event log after a seq, oldest first (committed events only).',
  })
  @ApiQuery({ name: 'since', required: false, type: String })
  @ApiQuery({
    name: 'types',
    required: false,
    type: String,
    description: 'e.g. `deployment.*,node.status_changed`',
  })
  @ApiQuery({ name: 'deploymentId', required: false, type: String })
  @ApiQuery({ name: 'environment', required: false, type: String })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: EventPageDto })
  @ApiProblems(400)
  async history(
    @Query() query: Record<string, unknown>,
    @CurrentPrincipal() principal: Principal,
  ): Promise<EventPageDto> {
    const errors: FieldError[] = [];
    const since = seqParam('since', single(query.since), errors) ?? '0';
    const rawLimit = single(query.limit);
    let limit = 100;
    if (rawLimit !== undefined) {
      if (!/^\d{1,4}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_HISTORY)
        errors.push({ field: 'limit', message: `must be a whole number between 1 and ${MAX_HISTORY}` });
      else limit = Number(rawLimit);
    }
    const request: FilterRequest = {
      types: splitTypes(single(query.types)),
      deploymentId: single(query.deploymentId),
      environment: single(query.environment),
    };
    const result = resolveFilter(request, principal.roles);
    if (!result.ok && result.status === 'invalid') errors.push(...result.errors);
    if (errors.length > 0) throw new RequestValidationError(errors);
    const filter = filterOrThrow(request, principal.roles);
    const events = await this.log.since(since, limit, {
      types: [...filter.types],
      deploymentId: filter.deploymentId,
      environment: filter.environment,
    });
    const items: EventDto[] = events.map((e) => {
      const wire = new WireEvent(e);
      return { seq: e.seq, type: e.type, at: e.at.toISOString(), data: wire.data };
    });
    const last = events[events.length - 1];
    return { items, nextSince: events.length === limit && last !== undefined ? last.seq : null };
  }

  @Post('tickets')
  @IdempotencyExempt('the response is a single-use secret, which must not be stored for replay')
  @HttpCode(HttpStatus.CREATED)
  @Roles(Role.Viewer)
  @ApiOperation({
    operationId: 'createEventStreamTicket',
    summary: 'A single-use ticket (valid 60 s) for clients that cannot send headers (`EventSource`).',
  })
  @ApiCreatedResponse({ type: StreamTicketDto })
  async ticket(@CurrentPrincipal() principal: Principal): Promise<StreamTicketDto> {
    const { ticket, expiresAt } = await this.tickets.issue(principal);
    return { ticket, expiresAt: expiresAt.toISOString() };
  }

  @Get('stream')
  @Roles(Role.Viewer)
  @RateLimit('streams')
  @ApiOperation({
    operationId: 'streamEvents',
    summary:
      'Server-Sent Events: `id: <seq>`, replay after `Last-Event-ID` / `since`, `resync` beyond retention, ' +
      'heartbeat comments, `overflow` and close for clients that do not keep up. Bearer token, or `ticket` ' +
      '(from `POST /events/tickets`) for clients that cannot send headers.',
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'types', required: false, type: String, description: 'e.g. `deployment.*,approval.*`' })
  @ApiQuery({ name: 'deploymentId', required: false, type: String })
  @ApiQuery({ name: 'environment', required: false, type: String })
  @ApiQuery({ name: 'since', required: false, type: String })
  @ApiQuery({ name: 'ticket', required: false, type: String })
  @ApiOkResponse({ description: 'An event stream.', content: { 'text/event-stream': {} } })
  @ApiProblems(400)
  async stream(
    @Query() query: Record<string, unknown>,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const parsed = parseStreamRequest(query, lastEventId);
    let principal = principalOf(req);
    if (principal === undefined && parsed.ticket !== undefined)
      principal = await this.tickets.redeem(parsed.ticket);
    if (principal === undefined) {
      throw new DomainError(
        PlatformErrorCode.Unauthenticated,
        'A valid bearer token or stream ticket is required.',
      );
    }
    const decision = decideStream(parsed, principal.roles);
    if (!decision.ok) {
      if (decision.status === 400) throw new RequestValidationError([...decision.errors]);
      throw new DomainError(PlatformErrorCode.Forbidden, decision.message);
    }
    const { filter } = decision;
    const since = parsed.since;
    try {
      await openSseStream(this.streams, { principal, filter, since }, res, this.config.events.heartbeatMs);
    } catch (error) {
      if (error instanceof TooManyStreamsError) throw new RateLimitedError(5, error.message);
      throw error;
    }
  }
}
