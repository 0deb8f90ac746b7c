import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { PlatformErrorCode, type Principal } from '@hotswap/contracts';
import { DomainError } from './domain-error';

/** The authenticated caller of a route (authentication puts it on `req.user`). */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const user = context.switchToHttp().getRequest<{ user?: Principal }>().user;
    if (user === undefined)
      throw new DomainError(PlatformErrorCode.Unauthenticated, 'Authentication is required.');
    return user;
  },
);
