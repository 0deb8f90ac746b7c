import { Inject, Injectable } from '@nestjs/common';
import type { Principal as ContractPrincipal } from '@hotswap/contracts';
import { StreamAuthenticator } from '@hotswap/events';
import { plausibleBearer } from '@hotswap/auth-core';
import { ApiTokenAuthenticator, looksLikeApiToken } from './api-token.authenticator';
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
    if (!plausibleBearer(token)) return undefined;
    if (looksLikeApiToken(token)) return this.apiTokens.authenticate(token);
    return this.jwt.verify(token);
  }
}
