import { Inject, Injectable } from '@nestjs/common';
import { authenticateApiToken } from '@hotswap/auth-core';
import { Clock, type UserPrincipal } from '@hotswap/contracts';
import { ApiTokensRepository } from './api-tokens.repository';
import { AuthStateCache } from './auth-state.cache';

export { LAST_USED_RESOLUTION_MS, looksLikeApiToken } from '@hotswap/auth-core';

/** `Authorization: Bearer hs_…`: looked up by hash (cached briefly), checked, last use recorded. */
@Injectable()
export class ApiTokenAuthenticator {
  constructor(
    @Inject(ApiTokensRepository) private readonly tokens: ApiTokensRepository,
    @Inject(AuthStateCache) private readonly cache: AuthStateCache,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  authenticate(value: string): Promise<UserPrincipal | undefined> {
    return authenticateApiToken(
      value,
      {
        load: (hash) => this.cache.get(`api-token:${hash}`, () => this.tokens.findRecordByHash(hash)),
        touch: (id, at, minIntervalMs) => this.tokens.touch(id, at, minIntervalMs),
      },
      this.clock.now(),
    );
  }
}
