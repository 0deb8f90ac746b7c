import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { principalFromClaims, verifyAccessToken, type AccessTokenSettings } from '@hotswap/auth-core';
import { AppConfig } from '@hotswap/config';
import passport from 'passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AuthStateCache } from './auth-state.cache';
import type { Principal } from './principal';
import { SessionsRepository } from './sessions.repository';
import { SigningKeys } from './signing-keys';

const OWN_PASSPORT = Symbol('hotswap.passport');

/**
 * passport-jwt with the server's keys as `KeyObject`s (verification ~7 µs instead of ~350 µs with a
 * string secret), the key chosen by `kid` and bound to its algorithm, `iss`/`aud` checked, then the
 * session's state (revoked, user disabled, token version) from {@link AuthStateCache}.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly settings: AccessTokenSettings;

  constructor(
    @Inject(SigningKeys) private readonly keys: SigningKeys,
    @Inject(AppConfig) config: AppConfig,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(AuthStateCache) private readonly cache: AuthStateCache,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (
        _req: unknown,
        rawJwtToken: string,
        done: (err: unknown, key?: unknown) => void,
      ) => {
        const key = typeof rawJwtToken === 'string' ? keys.keyFor(rawJwtToken) : undefined;
        if (key === undefined) done(new Error('no key for this token'));
        else done(null, key.key);
      },
      algorithms: [...keys.algorithms],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: 0 },
    } as ConstructorParameters<typeof Strategy>[0]);
    this.settings = { issuer: config.auth.issuer, audience: config.auth.audience };
  }

  /**
   * Each application gets a passport instance of its own, so two applications in one process (tests)
   * never share a strategy.
   */
  getPassportInstance(): passport.PassportStatic {
    const self = this as unknown as { [OWN_PASSPORT]?: passport.PassportStatic };
    self[OWN_PASSPORT] ??= new passport.Passport() as passport.PassportStatic;
    return self[OWN_PASSPORT];
  }

  /** A token that came without a request (WebSocket `auth`): the same checks, no passport. */
  async verify(rawToken: string): Promise<Principal | undefined> {
    const claims = verifyAccessToken(rawToken, this.keys, this.settings);
    if (claims === undefined) return undefined;
    return (await this.validate(claims)) || undefined;
  }

  validate(payload: unknown): Promise<Principal | false> {
    return principalFromClaims(payload, (sid) =>
      this.cache.get(`session:${sid}`, () => this.sessions.state(sid)),
    );
  }
}
