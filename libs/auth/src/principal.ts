import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from '@hotswap/contracts';
import type { AuditActor, RequestOrigin } from '@hotswap/audit';
import type { Request } from 'express';

/**
 * Who a request acts as; `req.user` holds it once authentication succeeded.
 *
 * - `id` — the user's id, or for an API token the token's id (rate limits, `requestedBy`).
 * - `kind` — `user` (access token from a login) or `apiToken` (`Bearer hs_…`).
 * - `username` — the user's, or the owner's for an API token.
 * - `roles` — the roles the request has (for API tokens: the token's scopes, capped by its owner's).
 * - `userId` — the user behind the request (the owner, for an API token).
 * - `sessionId` — the login session (`sid` claim) for `user` principals.
 */
export interface Principal {
  readonly id: string;
  readonly kind: 'user' | 'apiToken';
  readonly username?: string;
  readonly roles: readonly Role[];
  readonly userId: string;
  readonly sessionId?: string;
}

export function principalOf(req: Request): Principal | undefined {
  const user = (req as { user?: unknown }).user;
  return typeof user === 'object' && user !== null && 'kind' in user ? (user as Principal) : undefined;
}

export function auditActorOf(principal: Principal): AuditActor {
  return { id: principal.id, kind: principal.kind, name: principal.username ?? null };
}

export function originOf(req: Request): RequestOrigin {
  const agent = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof agent === 'string' ? agent : null };
}

/** The authenticated principal (only on routes with `@Roles`, where the guard guarantees one). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = principalOf(context.switchToHttp().getRequest<Request>());
    if (principal === undefined) throw new Error('CurrentPrincipal used on a route without authentication');
    return principal;
  },
);

/** The client address (TRUST_PROXY-aware) and user agent, for audit records. */
export const Origin = createParamDecorator((_data: unknown, context: ExecutionContext): RequestOrigin =>
  originOf(context.switchToHttp().getRequest<Request>()),
);
