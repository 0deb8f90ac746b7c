import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { UserPrincipal } from '@hotswap/contracts';
import type { AuditActor, RequestOrigin } from '@hotswap/audit';
import type { Request } from 'express';

/**
 * An enrolled node calling with its node credential (`Bearer hsnc_…`). It exists only on routes marked
 * `@AcceptsNodeCredential()` and has no roles; `id` is the node's id, `username` its name.
 */
export interface NodePrincipal {
  readonly id: string;
  readonly kind: 'node';
  readonly username: string;
  readonly roles: readonly [];
}

/** Whoever authenticated: a user or API token principal, or a node. */
export type Caller = UserPrincipal | NodePrincipal;

export function callerOf(req: Request): Caller | undefined {
  const user = (req as { user?: unknown }).user;
  return typeof user === 'object' && user !== null && 'kind' in user ? (user as Caller) : undefined;
}

/** The user or API token principal of the request (never a node: nodes act for no user). */
export function principalOf(req: Request): UserPrincipal | undefined {
  const caller = callerOf(req);
  return caller === undefined || caller.kind === 'node' ? undefined : caller;
}

export function auditActorOf(principal: UserPrincipal): AuditActor {
  return { id: principal.id, kind: principal.kind, name: principal.username ?? null };
}

export function originOf(req: Request): RequestOrigin {
  const agent = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof agent === 'string' ? agent : null };
}

/** The authenticated principal (only on routes with `@Roles`, where the guard guarantees one). */
export const CurrentUser = createParamDecorator(
  (_data: unknown, context: ExecutionContext): UserPrincipal => {
    const principal = principalOf(context.switchToHttp().getRequest<Request>());
    if (principal === undefined) throw new Error('CurrentUser used on a route without authentication');
    return principal;
  },
);

/** The client address (TRUST_PROXY-aware) and user agent, for audit records. */
export const Origin = createParamDecorator((_data: unknown, context: ExecutionContext): RequestOrigin =>
  originOf(context.switchToHttp().getRequest<Request>()),
);
