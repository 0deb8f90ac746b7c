import { Inject, Injectable } from '@nestjs/common';
import type { UserPrincipal } from '@hotswap/contracts';
import { principalFromClaims, verifyAccessToken, type AccessTokenSettings } from '@hotswap/auth-core';
import { AppConfig } from '@hotswap/config';
import { AuthStateCache } from './auth-state.cache';
import { SessionsRepository } from './sessions.repository';
import { SigningKeys } from './signing-keys';

/**
 * Access tokens, wherever they arrive (the `Authorization` header, a WebSocket `auth` message): the
 * server's keys as `KeyObject`s, the key chosen by `kid` and bound to its algorithm, `exp`/`iss`/`aud`
 * checked ({@link verifyAccessToken}, shared with the event gateway), then the session's state
 * (revoked, user disabled, token version) from {@link AuthStateCache}.
 */
@Injectable()
export class JwtStrategy {
  private readonly settings: AccessTokenSettings;

  constructor(
    @Inject(SigningKeys) private readonly keys: SigningKeys,
    @Inject(AppConfig) config: AppConfig,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(AuthStateCache) private readonly cache: AuthStateCache,
  ) {
    this.settings = { issuer: config.auth.issuer, audience: config.auth.audience };
  }

  /** The principal of a valid access token with a live session; undefined for anything else. */
  async verify(rawToken: string): Promise<UserPrincipal | undefined> {
    const claims = verifyAccessToken(rawToken, this.keys, this.settings);
    if (claims === undefined) return undefined;
    return (await this.validate(claims)) || undefined;
  }

  validate(payload: unknown): Promise<UserPrincipal | false> {
    return principalFromClaims(payload, (sid) =>
      this.cache.get(`session:${sid}`, () => this.sessions.state(sid)),
    );
  }
}
