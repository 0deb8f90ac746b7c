import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService, type RequestOrigin } from '@hotswap/audit';
import { Clock, PlatformErrorCode, Role, satisfiesRoles, type UserPrincipal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { DomainError, NotFoundError, RequestValidationError } from '@hotswap/http';
import { ApiTokensRepository } from './api-tokens.repository';
import { AuthStateCache } from './auth-state.cache';
import type { CreateApiTokenDto } from './dto/auth.dto';
import type { ApiTokenEntity } from './entities/api-token.entity';
import { auditActorOf } from './principal';
import { API_TOKEN_PREFIX, hashToken, randomTokenValue } from './token.service';

const DAY_MS = 86_400_000;
export const DEFAULT_API_TOKEN_DAYS = 90;
export const MAX_API_TOKEN_DAYS = 365;

export interface CreatedApiToken {
  readonly token: ApiTokenEntity;
  /** The only time the value exists outside the caller's hands. */
  readonly value: string;
}

export interface ApiTokenPage {
  readonly items: ApiTokenEntity[];
  readonly nextCursor: string | null;
}

function isAdmin(principal: UserPrincipal): boolean {
  return satisfiesRoles(principal.roles, [Role.Admin]);
}

function encodeCursor(token: ApiTokenEntity): string {
  return Buffer.from(`t:${token.createdAt.toISOString()}|${token.id}`).toString('base64url');
}

function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const match = /^t:([^|]+)\|([0-9a-f-]{36})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  const createdAt = new Date(match?.[1] ?? 'invalid');
  if (match?.[2] === undefined || Number.isNaN(createdAt.getTime())) {
    throw new RequestValidationError([
      { field: 'cursor', message: 'cursor is not a cursor this API issued' },
    ]);
  }
  return { createdAt, id: match[2] };
}

/** API tokens: Deployers manage their own, Admins everyone's. */
@Injectable()
export class ApiTokensService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(ApiTokensRepository) private readonly tokens: ApiTokensRepository,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AuthStateCache) private readonly cache: AuthStateCache,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async create(
    principal: UserPrincipal,
    input: CreateApiTokenDto,
    origin: RequestOrigin,
  ): Promise<CreatedApiToken> {
    if (principal.kind !== 'user') {
      throw new DomainError(PlatformErrorCode.Forbidden, 'An API token cannot create API tokens.');
    }
    const beyond = input.roles.filter((role) => !satisfiesRoles(principal.roles, [role]));
    if (beyond.length > 0) {
      throw new DomainError(
        PlatformErrorCode.Forbidden,
        `A token cannot have roles its creator does not have: ${beyond.join(', ')}.`,
      );
    }
    const now = this.clock.now();
    const expiresAt = input.expiresAt ?? new Date(now.getTime() + DEFAULT_API_TOKEN_DAYS * DAY_MS);
    if (input.roles.length === 0) {
      throw new RequestValidationError([{ field: 'roles', message: 'roles must name at least one role' }]);
    }
    if (expiresAt <= now || expiresAt.getTime() > now.getTime() + MAX_API_TOKEN_DAYS * DAY_MS) {
      throw new RequestValidationError([
        {
          field: 'expiresAt',
          message: `expiresAt must be in the future and at most ${MAX_API_TOKEN_DAYS} days away`,
        },
      ]);
    }
    const value = randomTokenValue(API_TOKEN_PREFIX);
    const token: ApiTokenEntity = {
      id: randomUUID(),
      ownerId: principal.userId,
      name: input.name,
      roles: [...input.roles],
      tokenHash: hashToken(value),
      prefix: value.slice(0, 9),
      createdAt: now,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.db.transaction(async () => {
      await this.tokens.insert(token);
      await this.audit.record({
        category: 'api-tokens',
        action: 'api-token.create',
        result: 'success',
        actor: auditActorOf(principal),
        origin,
        resource: { type: 'api-token', id: token.id },
        details: { name: token.name, roles: token.roles, expiresAt: expiresAt.toISOString() },
      });
    });
    return { token, value };
  }

  async list(
    principal: UserPrincipal,
    limit: number,
    cursor?: string,
    ownerId?: string,
  ): Promise<ApiTokenPage> {
    const owner = isAdmin(principal) ? ownerId : principal.userId;
    const rows = await this.tokens.list(
      owner,
      limit + 1,
      cursor === undefined ? undefined : decodeCursor(cursor),
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null };
  }

  async revoke(principal: UserPrincipal, id: string, origin: RequestOrigin): Promise<void> {
    await this.db.transaction(async () => {
      const token = await this.tokens.findById(id);
      // Someone else's token is reported as absent, not as forbidden.
      if (token === null || (!isAdmin(principal) && token.ownerId !== principal.userId)) {
        throw new NotFoundError('API token', id);
      }
      if (token.revokedAt !== null) return;
      await this.tokens.revoke(id, this.clock.now());
      await this.audit.record({
        category: 'api-tokens',
        action: 'api-token.revoke',
        result: 'success',
        actor: auditActorOf(principal),
        origin,
        resource: { type: 'api-token', id },
        details: { name: token.name, ownerId: token.ownerId },
      });
    });
    this.cache.clear();
  }
}
