import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  NODE_CREDENTIAL_ROUTE,
  PlatformErrorCode,
  PUBLIC_ROUTE,
  REQUIRED_ROLES,
  satisfiesRoles,
  type Role,
} from '@hotswap/contracts';
import { DomainError } from '@hotswap/http';
import type { Request, Response } from 'express';
import { callerOf } from '../principal';

/** The one answer for every authentication failure: it never says which check failed. */
export function unauthenticated(): DomainError {
  return new DomainError(
    PlatformErrorCode.Unauthenticated,
    'Authentication required: send a valid bearer token.',
  );
}

/**
 * Last global guard, deny by default: a route is reachable without a token only with `@Public()`;
 * every other route needs a principal holding one of its `@Roles(...)`. A route with neither is
 * refused to everyone.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate {
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_ROUTE, targets) === true) return true;
    const req = context.switchToHttp().getRequest<Request>();
    const principal = callerOf(req);
    if (principal === undefined) {
      context.switchToHttp().getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="hotswap"');
      throw unauthenticated();
    }
    if (principal.kind === 'node') {
      // Nodes have no roles: they reach exactly the routes that accept node credentials.
      if (this.reflector.getAllAndOverride<boolean | undefined>(NODE_CREDENTIAL_ROUTE, targets) === true)
        return true;
      throw unauthenticated();
    }
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    if (required === undefined || required.length === 0) {
      throw new DomainError(
        PlatformErrorCode.Forbidden,
        'This route declares no access rule, so it is closed.',
      );
    }
    if (!satisfiesRoles(principal.roles, required)) {
      throw new DomainError(
        PlatformErrorCode.Forbidden,
        `This action requires one of the roles: ${required.join(', ')}.`,
      );
    }
    return true;
  }
}
