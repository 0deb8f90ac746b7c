import { Inject, Injectable } from '@nestjs/common';
import type { UserPrincipal as ContractPrincipal, UserPrincipal } from '@hotswap/contracts';
import { StreamAuthenticator } from '@hotswap/events';
import type { Request, Response } from 'express';
import { ApiTokenAuthenticator, looksLikeApiToken } from './api-token.authenticator';
import { MAX_BEARER_LENGTH } from './guards/authentication.guard';
import { JwtStrategy } from './jwt.strategy';

/**
 * The checks of the HTTP authentication guard for a token that did not come in a header (the
 * WebSocket `auth` message): API token by hash, access token by the JWT strategy (keys, claims,
 * session state).
 */
@Injectable()
export class BearerTokenVerifier extends StreamAuthenticator {
  constructor(
    @Inject(JwtStrategy) private readonly jwt: JwtStrategy,
    @Inject(ApiTokenAuthenticator) private readonly apiTokens: ApiTokenAuthenticator,
  ) {
    super();
  }

  async authenticate(token: string): Promise<ContractPrincipal | undefined> {
    if (token.length === 0 || token.length > MAX_BEARER_LENGTH || !/^[A-Za-z0-9._~+/=-]+$/.test(token))
      return undefined;
    if (looksLikeApiToken(token)) return this.apiTokens.authenticate(token);
    const req = { headers: { authorization: `Bearer ${token}` } } as unknown as Request;
    return new Promise<UserPrincipal | undefined>((resolve) => {
      const authenticate = this.jwt
        .getPassportInstance()
        .authenticate('jwt', { session: false }, (error: unknown, user: UserPrincipal | false | undefined) =>
          resolve(error || !user ? undefined : user),
        ) as (req: Request, res: Response, next: (error?: unknown) => void) => void;
      authenticate(req, {} as Response, () => resolve(undefined));
    });
  }
}
