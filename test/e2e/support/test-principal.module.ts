import { Injectable, Module, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ROLES, type Principal, type Role } from '@hotswap/contracts';

/**
 * Until authentication is composed into these tests, this test-only guard puts a principal on the
 * request from an `x-test-principal: <username>:<Role>` header.
 */
@Injectable()
class TestPrincipalGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; user?: Principal }>();
    const header = req.headers['x-test-principal'];
    if (header !== undefined) {
      const [username, role] = header.split(':');
      if (username !== undefined && role !== undefined && (ROLES as readonly string[]).includes(role)) {
        req.user = { id: `user-${username}`, kind: 'user', username, roles: [role as Role] };
      }
    }
    return true;
  }
}

@Module({ providers: [{ provide: APP_GUARD, useClass: TestPrincipalGuard }] })
export class TestPrincipalModule {}
