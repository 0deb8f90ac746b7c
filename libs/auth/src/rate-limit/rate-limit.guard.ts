import { Inject, Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  getOptionsToken,
  getStorageToken,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import { rateLimitHeaders, rateLimitKey, rateLimitMessage } from '@hotswap/auth-core';
import { AppConfig } from '@hotswap/config';
import { RATE_LIMIT_CLASS, type RateLimitClass } from '@hotswap/contracts';
import { RateLimitedError } from '@hotswap/http';
import type { Request, Response } from 'express';
import { callerOf } from '../principal';

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The budget a request draws from: the route's `@RateLimit(...)`, else by method. */
export function rateLimitClassOf(context: ExecutionContext, reflector: Reflector): RateLimitClass {
  const declared = reflector.getAllAndOverride<RateLimitClass | undefined>(RATE_LIMIT_CLASS, [
    context.getHandler(),
    context.getClass(),
  ]);
  if (declared !== undefined) return declared;
  return WRITE_METHODS.has(context.switchToHttp().getRequest<Request>().method) ? 'mutating' : 'reads';
}

/** Who a budget belongs to: the user, API token or node once authenticated, the client IP otherwise. */
export function trackerOf(req: Request): string {
  const principal = callerOf(req);
  // req.ip honours X-Forwarded-For only from TRUST_PROXY (Express `trust proxy`).
  return principal === undefined ? `ip:${req.ip ?? 'unknown'}` : `${principal.kind}:${principal.id}`;
}

/**
 * Second global guard (after authentication): one budget per route class and caller, counted in
 * PostgreSQL. Sends `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` and `RateLimit-Policy`,
 * and on refusal 429 problem+json with `Retry-After`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @Inject(getOptionsToken()) options: ThrottlerModuleOptions,
    @Inject(getStorageToken()) storage: ThrottlerStorage,
    @Inject(Reflector) reflector: Reflector,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(
      context.getType() !== 'http' ||
        !this.config.rateLimit.enabled ||
        rateLimitClassOf(context, this.reflector) === 'exempt',
    );
  }

  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    return Promise.resolve(trackerOf(req as unknown as Request));
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return rateLimitKey(throttlerName, tracker);
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, limit, ttl, throttler, blockDuration } = request;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    const name = throttler.name ?? 'default';
    const key = this.generateKey(context, trackerOf(req), name);
    const record = await this.storageService.increment(key, ttl, limit, blockDuration, name);
    const headers = rateLimitHeaders(limit, record.totalHits, record.timeToExpire, ttl, name);
    for (const [header, value] of Object.entries(headers)) res.setHeader(header, value);
    if (record.isBlocked) {
      throw new RateLimitedError(
        record.timeToBlockExpire,
        rateLimitMessage(limit, ttl, name, record.timeToBlockExpire),
      );
    }
    return true;
  }
}
