import { Logger, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule, type ThrottlerModuleOptions } from '@nestjs/throttler';
import { AppConfig } from '@hotswap/config';
import { Clock, type RateLimitClass } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { StreamAuthenticator } from '@hotswap/events';
import { ApiTokenAuthenticator } from './api-token.authenticator';
import { ApiTokensController } from './api-tokens.controller';
import { ApiTokensRepository } from './api-tokens.repository';
import { ApiTokensService } from './api-tokens.service';
import { AuthStateCache } from './auth-state.cache';
import { AuthenticationController } from './authentication.controller';
import { AuthenticationService } from './authentication.service';
import { BearerTokenVerifier } from './bearer-token.verifier';
import { BootstrapService } from './bootstrap.service';
import { AuthenticationGuard } from './guards/authentication.guard';
import { AuthorizationGuard } from './guards/authorization.guard';
import { JwksController } from './jwks.controller';
import { JwtStrategy } from './jwt.strategy';
import { PasswordHasher } from './password-hasher';
import { PgThrottlerStorage } from './rate-limit/pg-throttler.storage';
import { RateLimitGuard, rateLimitClassOf } from './rate-limit/rate-limit.guard';
import { RateLimitRepository } from './rate-limit/rate-limit.repository';
import { SessionsRepository } from './sessions.repository';
import { resolveJwtSecret, SigningKeys, signingKeysFromConfig } from './signing-keys';
import { TokenService } from './token.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

function throttlerOptions(config: AppConfig, db: Database, clock: Clock): ThrottlerModuleOptions {
  const reflector = new Reflector();
  const { rateLimit } = config;
  const budgets: Record<Exclude<RateLimitClass, 'exempt'>, number> = {
    login: rateLimit.login,
    mutating: rateLimit.mutating,
    reads: rateLimit.reads,
    streams: rateLimit.streams,
  };
  return {
    storage: new PgThrottlerStorage(new RateLimitRepository(db), clock),
    throttlers: Object.entries(budgets).map(([name, limit]) => ({
      name,
      limit,
      ttl: rateLimit.windowSeconds * 1000,
      // One budget per request: the one of its route class.
      skipIf: (context) => rateLimitClassOf(context, reflector) !== name,
    })),
  };
}

/**
 * Identity and access: users, login with JWT access tokens and rotating refresh tokens, API tokens,
 * and the three global guards — in this order: authentication (sets `req.user`), rate limiting (keyed
 * by the principal, else the IP), authorization (deny by default: `@Public()` or `@Roles(...)`).
 */
@Module({
  imports: [
    JwtModule.register({}),
    ThrottlerModule.forRootAsync({
      inject: [AppConfig, Database, Clock],
      useFactory: throttlerOptions,
    }),
  ],
  controllers: [AuthenticationController, UsersController, ApiTokensController, JwksController],
  providers: [
    {
      provide: SigningKeys,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const { secret, source } = resolveJwtSecret(config);
        if (source !== 'config') {
          new Logger('Auth').warn({
            msg: 'JWT_SECRET is not set; using a generated signing secret (not allowed in production)',
            kept: source === 'memory' ? 'in memory: sessions end with the process' : `in ${config.dataDir}`,
          });
        }
        return signingKeysFromConfig(config, secret);
      },
    },
    UsersRepository,
    SessionsRepository,
    ApiTokensRepository,
    RateLimitRepository,
    PasswordHasher,
    TokenService,
    AuthStateCache,
    JwtStrategy,
    ApiTokenAuthenticator,
    AuthenticationService,
    UsersService,
    ApiTokensService,
    BootstrapService,
    BearerTokenVerifier,
    { provide: StreamAuthenticator, useExisting: BearerTokenVerifier },
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: AuthorizationGuard },
  ],
  exports: [UsersService, StreamAuthenticator],
})
export class AuthModule {}
