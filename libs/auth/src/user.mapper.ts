import { ROLES, type Role } from '@hotswap/contracts';
import type { ApiTokenResponseDto, UserResponseDto, UserSummaryDto } from './dto/auth.response.dto';
import type { ApiTokenEntity } from './entities/api-token.entity';
import type { UserEntity } from './entities/user.entity';

export function knownRoles(roles: readonly string[]): Role[] {
  return ROLES.filter((r) => roles.includes(r));
}

export function toUserSummary(user: UserEntity): UserSummaryDto {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    fullName: user.fullName,
    roles: knownRoles(user.roles),
  };
}

/** The admin view. A lockout that has ended no longer counts. Never the password hash. */
export function toUserResponse(user: UserEntity, now: Date): UserResponseDto {
  const lockOver = user.lockedUntil !== null && user.lockedUntil <= now;
  return {
    ...toUserSummary(user),
    disabled: user.disabled,
    failedLoginCount: lockOver ? 0 : user.failedLoginCount,
    lockedUntil: lockOver || user.lockedUntil === null ? null : user.lockedUntil.toISOString(),
    lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** Never the token value or its hash. */
export function toApiTokenResponse(token: ApiTokenEntity): ApiTokenResponseDto {
  return {
    id: token.id,
    name: token.name,
    ownerId: token.ownerId,
    roles: knownRoles(token.roles),
    prefix: token.prefix,
    createdAt: token.createdAt.toISOString(),
    expiresAt: token.expiresAt.toISOString(),
    lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
    revokedAt: token.revokedAt?.toISOString() ?? null,
  };
}
