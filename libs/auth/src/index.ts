/**
 * Identity and access. After the global guards ran, `req.user` is the request's {@link UserPrincipal}:
 *
 * ```ts
 * { id: string;                  // user id, or API token id for kind 'apiToken'
 *   kind: 'user' | 'apiToken';
 *   username?: string;           // the user's (the owner's, for an API token)
 *   roles: Role[];               // effective for this request
 *   userId: string;              // the user behind it (the owner, for an API token)
 *   sessionId?: string }         // login session, for kind 'user'
 * ```
 *
 * (`UserPrincipal` in `@hotswap/contracts`). Features read the caller with `@CurrentPrincipal()` from
 * `@hotswap/http`; the auth routes, which act only for users and API tokens, with `@CurrentUser()`.
 */
export { ApiTokenEntity } from './entities/api-token.entity';
export { AuthModule } from './auth.module';
export { ACCOUNT_FAILURES_PER_HOUR, LOCKOUT_MS, LOCKOUT_THRESHOLD } from './authentication.service';
export { MAX_BEARER_LENGTH } from './guards/authentication.guard';
export { passwordProblems } from './password-policy';
export { CurrentUser, Origin, principalOf } from './principal';
export { RateLimitCounterEntity } from './entities/rate-limit-counter.entity';
export { RefreshTokenEntity } from './entities/refresh-token.entity';
export { SessionEntity } from './entities/session.entity';
export { ACCESS_TOKEN_TYPE, GENERATED_SECRET_FILE, SigningKeys } from './signing-keys';
export { UserEntity } from './entities/user.entity';
