import {
  applyDecorators,
  Inject,
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { AppConfig } from '@hotswap/config';
import { CoordinationErrorCode } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { DomainError, RequestValidationError } from '@hotswap/http';
import type { Request, Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import {
  IDEMPOTENCY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyScope,
  isValidIdempotencyKey,
  REPLAYED_HEADERS,
  requestFingerprint,
} from './idempotency-request';
import { IdempotencyRepository, type StoredResponse } from './idempotency.repository';

/** Route metadata set by {@link Idempotent}. */
export const IDEMPOTENT_ROUTE = Symbol.for('hotswap.idempotent');
/** Route metadata set by {@link IdempotencyExempt}: why the route does not honour `Idempotency-Key`. */
export const IDEMPOTENCY_EXEMPT = Symbol.for('hotswap.idempotencyExempt');

/**
 * Declares that a mutating route honours `Idempotency-Key`: a repeated request with the same key
 * gets the first one's response instead of a second effect (see {@link IdempotencyInterceptor}).
 */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_ROUTE, true),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes the request safe to retry: repeated with the same key (1–255 visible ASCII characters) and the same request within 24 h, the first response is returned again and nothing is done twice.',
    }),
    ApiUnprocessableEntityResponse({
      description: 'The Idempotency-Key was used before with a different request.',
    }),
    ApiConflictResponse({ description: 'A request with the same Idempotency-Key is still in progress.' }),
  );

/**
 * Declares that a mutating route deliberately does not honour `Idempotency-Key`, and why (for
 * example: its response carries a secret shown once, which must not be stored for replay). Every
 * POST, PUT, PATCH and DELETE route is either {@link Idempotent} or exempt with a reason; a test
 * walks the application's routes to enforce it.
 */
export const IdempotencyExempt = (reason: string) => {
  if (reason.trim().length === 0) throw new Error('IdempotencyExempt needs a reason');
  return SetMetadata(IDEMPOTENCY_EXEMPT, reason);
};

/** Whoever the auth guard authenticated (set by the auth feature as `req.user`). */
interface MaybeAuthenticated {
  user?: { id?: unknown };
}

/** The store the interceptor needs (the repository, or a fake in unit tests). */
export type IdempotencyStore = Pick<IdempotencyRepository, 'claim' | 'complete' | 'release'>;

/** Runs `work` in one transaction (the `Database`, or a fake in unit tests). */
export type TransactionRunner = Pick<Database, 'transaction'>;

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super(
      CoordinationErrorCode.IdempotencyKeyReused,
      'This Idempotency-Key was already used with a different request; use a new key for a new request.',
    );
  }
}

export class IdempotencyRequestInFlightError extends DomainError {
  constructor() {
    super(
      CoordinationErrorCode.IdempotencyRequestInFlight,
      'A request with this Idempotency-Key is still in progress; retry after it has finished.',
    );
  }
}

/**
 * Honours `Idempotency-Key` on routes marked {@link Idempotent}. Keys are scoped to the caller
 * (`req.user.id`, else the client IP). The first request claims the key (visible to every replica at
 * once), then runs in one `Database` transaction together with the storing of its response, so the
 * response is stored exactly when the effects commit. A repeat of the same request gets that stored
 * response (status, body, Location and similar headers) with `Idempotent-Replayed: true`; the same key
 * with a different request → 422; while the first is still running → 409. A failed request stores
 * nothing and frees the key. Keys expire after IDEMPOTENCY_TTL_HOURS (24 h).
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(IdempotencyRepository) private readonly store: IdempotencyStore,
    @Inject(Database) private readonly transactions: TransactionRunner,
    @Inject(AppConfig) private readonly config: Pick<AppConfig, 'coordination'>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const marked = this.reflector.getAllAndOverride<boolean | undefined>(IDEMPOTENT_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (marked !== true) return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest<Request & MaybeAuthenticated>();
    const res = http.getResponse<Response>();
    const header = req.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return next.handle();
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || Array.isArray(header) || !isValidIdempotencyKey(key)) {
      throw new RequestValidationError(
        [{ field: 'Idempotency-Key', message: 'must be one value of 1–255 visible ASCII characters' }],
        'The Idempotency-Key header is invalid.',
      );
    }
    return from(this.handle(key, req, res, next));
  }

  private async handle(
    key: string,
    req: Request & MaybeAuthenticated,
    res: Response,
    next: CallHandler,
  ): Promise<unknown> {
    const userId = req.user?.id;
    const scope = idempotencyScope(
      typeof userId === 'string' || typeof userId === 'number' ? String(userId) : undefined,
      req.ip,
    );
    const requestHash = requestFingerprint({
      method: req.method,
      url: req.originalUrl,
      body: req.body as unknown,
    });
    const { ttlMs, inFlightTimeoutMs } = this.config.coordination.idempotency;
    const claim = await this.store.claim({ scope, key, requestHash, ttlMs, inFlightTimeoutMs });
    if (claim.kind !== 'claimed') {
      if (!claim.sameRequest) throw new IdempotencyKeyReusedError();
      if (claim.kind === 'in_flight') throw new IdempotencyRequestInFlightError();
      return replay(res, claim.response);
    }
    try {
      return await this.transactions.transaction(async () => {
        const body: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
        const completed = await this.store.complete(scope, key, claim.claimId, {
          status: res.statusCode,
          body,
          headers: pickHeaders(res),
        });
        // Our claim was taken over (we ran past the in-flight timeout): roll our effects back.
        if (!completed) throw new IdempotencyRequestInFlightError();
        return body;
      });
    } catch (error) {
      await this.store.release(scope, key, claim.claimId).catch(() => undefined);
      throw error;
    }
  }
}

function pickHeaders(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = res.getHeader(name);
    if (typeof value === 'string') out[name] = value;
    else if (typeof value === 'number') out[name] = String(value);
  }
  return out;
}

function replay(res: Response, response: StoredResponse): unknown {
  res.status(response.status);
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
  return response.body;
}
