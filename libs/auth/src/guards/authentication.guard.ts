import { Inject, Injectable, Optional, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  NODE_CREDENTIAL_AUTHENTICATOR,
  NODE_CREDENTIAL_ROUTE,
  type NodeCredentialAuthenticator,
} from '@hotswap/contracts';
import type { Request } from 'express';
import { ApiTokenAuthenticator, looksLikeApiToken } from '../api-token.authenticator';
import { JwtStrategy } from '../jwt.strategy';
import type { Caller, NodePrincipal } from '../principal';

/** Longer bearer values are refused before any parsing (an access token is well under 1 KB). */
import { bearerToken, MAX_BEARER_LENGTH } from '@hotswap/auth-core';

export { MAX_BEARER_LENGTH };

/** Node credentials (issued at enrollment) start with this; see docs/agent-protocol.md. */
const NODE_CREDENTIAL_PREFIX = 'hsnc_';

function looksLikeNodeCredential(value: string): boolean {
  return value.startsWith(NODE_CREDENTIAL_PREFIX);
}

/**
 * First global guard: turns a bearer token into `req.user`. It never refuses by itself, so the rate
 * limiter that runs next can key on the user when there is one and on the IP otherwise; the
 * authorization guard after it answers 401/403. A node credential is checked only on routes marked
 * `@AcceptsNodeCredential()`; elsewhere it authenticates nothing.
 */
@Injectable()
export class AuthenticationGuard implements CanActivate {
  constructor(
    @Inject(JwtStrategy) private readonly jwt: JwtStrategy,
    @Inject(ApiTokenAuthenticator) private readonly apiTokens: ApiTokenAuthenticator,
    @Inject(Reflector) private readonly reflector: Reflector,
    @Optional()
    @Inject(NODE_CREDENTIAL_AUTHENTICATOR)
    private readonly nodes: NodeCredentialAuthenticator | null = null,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request>();
    const header = req.headers.authorization;
    if (header === undefined) return true;
    const principal =
      header.length > MAX_BEARER_LENGTH + 7 ? undefined : await this.authenticate(header, context);
    (req as { user?: Caller }).user = principal;
    return true;
  }

  private async authenticate(header: string, context: ExecutionContext): Promise<Caller | undefined> {
    const token = bearerToken(header);
    if (token === undefined) return undefined;
    if (looksLikeApiToken(token)) return this.apiTokens.authenticate(token);
    if (looksLikeNodeCredential(token)) return this.authenticateNode(token, context);
    return this.jwt.verify(token);
  }

  private async authenticateNode(
    credential: string,
    context: ExecutionContext,
  ): Promise<NodePrincipal | undefined> {
    const accepted = this.reflector.getAllAndOverride<boolean | undefined>(NODE_CREDENTIAL_ROUTE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (accepted !== true || this.nodes === null) return undefined;
    const node = await this.nodes.authenticate(credential);
    if (node === null) return undefined;
    return { id: node.id, kind: 'node', username: node.name, roles: [] };
  }
}
