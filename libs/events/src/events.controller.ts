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
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
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
import type { Request, Response } from 'express';
import { EventPageDto, StreamTicketDto, type EventDto } from './dto/events.dto';
import { resolveFilter, splitTypes, type FilterRequest, type StreamFilter } from './event-access';
import { EventLog } from './event-log';
import { EventStreams, TooManyStreamsError, WireEvent } from './event-streams';
import { SseSink } from './sse-sink';
import { StreamTickets } from './stream-auth';

const SEQ = /^\d{1,19}$/;
const MAX_HISTORY = 1_000;

function principalOf(req: Request): Principal | undefined {
  const user = (req as { user?: unknown }).user;
  return typeof user === 'object' && user !== null && 'roles' in user ? (user as Principal) : undefined;
}

function filterOrThrow(request: FilterRequest, roles: Principal['roles']): StreamFilter {
  const result = resolveFilter(request, roles);
  if (result.ok) return result.filter;
  if (result.status === 'invalid') throw new RequestValidationError(result.errors);
  throw new DomainError(
    PlatformErrorCode.Forbidden,
    result.types.length > 0
      ? `Your roles do not allow reading ${result.types.join(', ')}.`
      : 'Your roles do not allow reading any events.',
  );
}

function seqParam(field: string, value: string | undefined, errors: FieldError[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!SEQ.test(value) || BigInt(value) > 9223372036854775807n) {
    errors.push({ field, message: 'must be an event seq (a non-negative whole number)' });
    return undefined;
  }
  return value;
}

/** A query parameter's one value (the first when repeated); anything else counts as invalid text. */
function single(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '\u0000';
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
  @ApiOkResponse({ type: StreamTicketDto })
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
    const errors: FieldError[] = [];
    const since =
      seqParam('Last-Event-ID', lastEventId, errors) ?? seqParam('since', single(query.since), errors);
    const request: FilterRequest = {
      types: splitTypes(single(query.types)),
      deploymentId: single(query.deploymentId),
      environment: single(query.environment),
    };
    const ticket = single(query.ticket);
    let principal = principalOf(req);
    if (principal === undefined && ticket !== undefined) principal = await this.tickets.redeem(ticket);
    if (principal === undefined) {
      throw new DomainError(
        PlatformErrorCode.Unauthenticated,
        'A valid bearer token or stream ticket is required.',
      );
    }
    const checked = resolveFilter(request, principal.roles);
    if (!checked.ok && checked.status === 'invalid') errors.push(...checked.errors);
    if (errors.length > 0) throw new RequestValidationError(errors);
    const filter = filterOrThrow(request, principal.roles);
    const sink = new SseSink(req, res, this.config.events.heartbeatMs);
    try {
      const subscription = await this.streams.open({ principal, filter, since, sink });
      sink.open();
      sink.onClosed(() => subscription.close());
    } catch (error) {
      if (error instanceof TooManyStreamsError) {
        sink.abandon();
        throw new RateLimitedError(5, error.message);
      }
      sink.end();
      throw error;
    }
  }
}
