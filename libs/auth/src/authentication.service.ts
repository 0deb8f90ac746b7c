import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AuditService, type AuditActor, type RequestOrigin } from '@hotswap/audit';
import { AppConfig } from '@hotswap/config';
import { AuthErrorCode, Clock, PlatformErrorCode, type UserPrincipal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { DomainError, RateLimitedError, RequestValidationError } from '@hotswap/http';
import { AuthStateCache } from './auth-state.cache';
import type { UserEntity } from './entities/user.entity';
import { PasswordHasher } from './password-hasher';
import { passwordProblems } from './password-policy';
import { auditActorOf } from './principal';
import { RateLimitRepository } from './rate-limit/rate-limit.repository';
import { SessionsRepository } from './sessions.repository';
import {
  hashToken,
  randomTokenValue,
  REFRESH_TOKEN_PREFIX,
  TokenService,
  type IssuedAccessToken,
} from './token.service';
import { knownRoles } from './user.mapper';
import { UsersRepository } from './users.repository';

/** The original system's numbers: 5 consecutive failures lock the account for 15 minutes. */
export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_MS = 15 * 60_000;
/** At most this many failed logins per account per hour, whatever the source. */
export const ACCOUNT_FAILURES_PER_HOUR = 100;
const HOUR_MS = 60 * 60_000;

export interface SessionTokens {
  readonly access: IssuedAccessToken;
  readonly refreshToken: string;
  readonly user: UserEntity;
}

type LoginFailure = 'unknown_user' | 'bad_password' | 'locked' | 'disabled';

function invalidCredentials(): DomainError {
  return new DomainError(AuthErrorCode.InvalidCredentials, 'Invalid username or password.');
}

function invalidRefreshToken(): DomainError {
  return new DomainError(
    AuthErrorCode.InvalidRefreshToken,
    'The refresh token is invalid or expired; log in again.',
  );
}

export function userActor(user: UserEntity): AuditActor {
  return { id: user.id, kind: 'user', name: user.username };
}

/** Login, refresh with rotation and reuse detection, logout, own password. */
@Injectable()
export class AuthenticationService {
  constructor(
    @Inject(Database) private readonly db: Database,
    @Inject(UsersRepository) private readonly users: UsersRepository,
    @Inject(SessionsRepository) private readonly sessions: SessionsRepository,
    @Inject(RateLimitRepository) private readonly counters: RateLimitRepository,
    @Inject(PasswordHasher) private readonly hasher: PasswordHasher,
    @Inject(TokenService) private readonly tokens: TokenService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AuthStateCache) private readonly cache: AuthStateCache,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async login(username: string, password: string, origin: RequestOrigin): Promise<SessionTokens> {
    const name = username.trim().toLowerCase();
    const failuresKey = `login-failures:${name}`;
    const failures = await this.counters.peek(failuresKey, this.clock.now());
    if (failures !== undefined && failures.hits >= ACCOUNT_FAILURES_PER_HOUR) {
      throw new RateLimitedError(
        (failures.expiresAt.getTime() - this.clock.now().getTime()) / 1000,
        'Too many failed logins for this account; try again later.',
      );
    }
    const found = await this.users.findByUsername(name);
    // The hash is checked outside the transaction (no connection held for ~20 ms) and for unknown
    // users too, so every refusal takes about as long.
    const passwordOk = found
      ? await this.hasher.verify(found.passwordHash, password)
      : await this.hasher.verifyNothing(password);
    const outcome = await this.db.transaction(async (): Promise<SessionTokens | LoginFailure> => {
      const user = found ? await this.users.findByIdForUpdate(found.id) : null;
      if (user === null) {
        await this.recordLogin(
          { id: null, kind: 'anonymous', name: name.slice(0, 64) },
          origin,
          'unknown_user',
        );
        return 'unknown_user';
      }
      const now = this.clock.now();
      if (user.lockedUntil !== null && user.lockedUntil > now) {
        await this.recordLogin(userActor(user), origin, 'locked');
        return 'locked';
      }
      if (user.lockedUntil !== null) {
        // The lockout is over: counting starts again.
        user.lockedUntil = null;
        user.failedLoginCount = 0;
      }
      if (user.disabled) {
        await this.users.save(user);
        await this.recordLogin(userActor(user), origin, 'disabled');
        return 'disabled';
      }
      if (!passwordOk) {
        user.failedLoginCount += 1;
        user.updatedAt = now;
        if (user.failedLoginCount >= LOCKOUT_THRESHOLD) {
          user.lockedUntil = new Date(now.getTime() + LOCKOUT_MS);
          await this.audit.record({
            category: 'authentication',
            action: 'auth.lockout',
            result: 'success',
            actor: userActor(user),
            origin,
            resource: { type: 'user', id: user.id },
            details: { failedLogins: user.failedLoginCount, lockedUntil: user.lockedUntil.toISOString() },
          });
        }
        await this.users.save(user);
        await this.recordLogin(userActor(user), origin, 'bad_password');
        return 'bad_password';
      }
      user.failedLoginCount = 0;
      user.lockedUntil = null;
      user.lastLoginAt = now;
      user.updatedAt = now;
      await this.users.save(user);
      const tokens = await this.startSession(user, origin, now);
      await this.recordLogin(userActor(user), origin, undefined, tokens.sessionId);
      return tokens;
    });
    if (typeof outcome === 'string') {
      await this.counters.hit(failuresKey, HOUR_MS, this.clock.now());
      throw invalidCredentials();
    }
    return outcome;
  }

  private recordLogin(actor: AuditActor, origin: RequestOrigin, failure?: LoginFailure, sessionId?: string) {
    return this.audit.record({
      category: 'authentication',
      action: 'auth.login',
      result: failure === undefined ? 'success' : 'failure',
      actor,
      origin,
      resource: actor.id === null ? undefined : { type: 'user', id: actor.id },
      details: failure === undefined ? { sessionId } : { reason: failure },
    });
  }

  private async startSession(
    user: UserEntity,
    origin: RequestOrigin,
    now: Date,
  ): Promise<SessionTokens & { sessionId: string }> {
    const sessionId = randomUUID();
    await this.sessions.insertSession({
      id: sessionId,
      userId: user.id,
      createdAt: now,
      revokedAt: null,
      revokedReason: null,
      ip: origin.ip,
      userAgent: origin.userAgent?.slice(0, 512) ?? null,
    });
    const refreshToken = await this.addRefreshToken(sessionId, now);
    return { access: this.accessToken(user, sessionId), refreshToken, user, sessionId };
  }

  private async addRefreshToken(sessionId: string, now: Date): Promise<string> {
    const value = randomTokenValue(REFRESH_TOKEN_PREFIX);
    await this.sessions.insertRefreshToken({
      id: randomUUID(),
      sessionId,
      tokenHash: hashToken(value),
      createdAt: now,
      expiresAt: new Date(now.getTime() + this.config.auth.refreshTokenTtlSeconds * 1000),
      usedAt: null,
    });
    return value;
  }

  private accessToken(user: UserEntity, sessionId: string): IssuedAccessToken {
    return this.tokens.issueAccessToken({
      sub: user.id,
      sid: sessionId,
      ver: user.tokenVersion,
      roles: knownRoles(user.roles),
      preferred_username: user.username,
    });
  }

  /**
   * Exchanges a refresh token for a new pair. A token that was already exchanged is a sign of theft:
   * its whole family (the session, every refresh token and access token of it) is revoked.
   */
  async refresh(value: string, origin: RequestOrigin): Promise<SessionTokens> {
    if (!value.startsWith(REFRESH_TOKEN_PREFIX)) throw invalidRefreshToken();
    const outcome = await this.db.transaction(async (): Promise<SessionTokens | 'invalid' | 'reuse'> => {
      const token = await this.sessions.findRefreshTokenForUpdate(hashToken(value));
      if (token === null) return 'invalid';
      const session = await this.sessions.findSession(token.sessionId);
      if (session === null) return 'invalid';
      const now = this.clock.now();
      const user = await this.users.findById(session.userId);
      if (token.usedAt !== null) {
        await this.sessions.revokeSession(session.id, now, 'refresh_reuse');
        await this.audit.record({
          category: 'authentication',
          action: 'auth.refresh_reuse',
          result: 'failure',
          actor: user === null ? { id: null, kind: 'anonymous', name: null } : userActor(user),
          origin,
          resource: { type: 'session', id: session.id },
          details: { sessionId: session.id, firstUsedAt: token.usedAt.toISOString() },
        });
        return 'reuse';
      }
      if (session.revokedAt !== null || token.expiresAt <= now || user === null || user.disabled)
        return 'invalid';
      await this.sessions.markRefreshTokenUsed(token.id, now);
      const refreshToken = await this.addRefreshToken(session.id, now);
      return { access: this.accessToken(user, session.id), refreshToken, user };
    });
    if (outcome === 'reuse') this.cache.clear();
    if (typeof outcome === 'string') throw invalidRefreshToken();
    return outcome;
  }

  /** Ends the session of the access token used: its refresh tokens and access tokens stop working. */
  async logout(principal: UserPrincipal, origin: RequestOrigin): Promise<void> {
    if (principal.kind !== 'user' || principal.sessionId === undefined) {
      throw new DomainError(
        PlatformErrorCode.Conflict,
        'An API token has no session; revoke the token instead.',
      );
    }
    const sessionId = principal.sessionId;
    await this.db.transaction(async () => {
      await this.sessions.revokeSession(sessionId, this.clock.now(), 'logout');
      await this.audit.record({
        category: 'authentication',
        action: 'auth.logout',
        result: 'success',
        actor: auditActorOf(principal),
        origin,
        resource: { type: 'session', id: sessionId },
      });
    });
    this.cache.clear();
  }

  async me(principal: UserPrincipal): Promise<UserEntity> {
    const user = await this.users.findById(principal.userId);
    if (user === null)
      throw new DomainError(
        PlatformErrorCode.Unauthenticated,
        'Authentication required: send a valid bearer token.',
      );
    return user;
  }

  /** Changes the caller's own password; every other session of the user is revoked. */
  async changePassword(
    principal: UserPrincipal,
    currentPassword: string,
    newPassword: string,
    origin: RequestOrigin,
  ): Promise<void> {
    if (principal.kind !== 'user') {
      throw new DomainError(PlatformErrorCode.Forbidden, 'An API token cannot change a password.');
    }
    const user = await this.me(principal);
    const problems = passwordProblems(newPassword, 'newPassword', user.username);
    if (newPassword === currentPassword) {
      problems.push({ field: 'newPassword', message: 'newPassword must differ from the current password' });
    }
    if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
      problems.unshift({ field: 'currentPassword', message: 'currentPassword is not correct' });
    }
    if (problems.length > 0) throw new RequestValidationError(problems);
    const passwordHash = await this.hasher.hash(newPassword);
    await this.db.transaction(async () => {
      const locked = await this.users.findByIdForUpdate(user.id);
      if (locked === null)
        throw new DomainError(PlatformErrorCode.Unauthenticated, 'Authentication required.');
      const now = this.clock.now();
      locked.passwordHash = passwordHash;
      locked.updatedAt = now;
      await this.users.save(locked);
      const revoked = await this.sessions.revokeUserSessions(
        user.id,
        now,
        'password_change',
        principal.sessionId,
      );
      await this.audit.record({
        category: 'authentication',
        action: 'auth.password_change',
        result: 'success',
        actor: auditActorOf(principal),
        origin,
        resource: { type: 'user', id: user.id },
        details: { otherSessionsRevoked: revoked },
      });
    });
    this.cache.clear();
  }
}
