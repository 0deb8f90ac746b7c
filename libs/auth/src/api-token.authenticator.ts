import { Inject, Injectable } from '@nestjs/common';
import { Clock, ROLES, satisfiesRoles, type Role, type UserPrincipal } from '@hotswap/contracts';
import { ApiTokensRepository } from './api-tokens.repository';
import { AuthStateCache } from './auth-state.cache';
import { API_TOKEN_PREFIX, hashToken } from './token.service';

const API_TOKEN_SHAPE = /^hs_[A-Za-z0-9_-]{43}$/;
/** Last-used time is written at most this often per token. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function looksLikeApiToken(value: string): boolean {
  return value.startsWith(API_TOKEN_PREFIX);
}

/** `Authorization: Bearer hs_…`: looked up by hash (cached briefly), checked, last use recorded. */
@Injectable()
export class ApiTokenAuthenticator {
  constructor(
    @Inject(ApiTokensRepository) private readonly tokens: ApiTokensRepository,
    @Inject(AuthStateCache) private readonly cache: AuthStateCache,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async authenticate(value: string): Promise<UserPrincipal | undefined> {
    if (!API_TOKEN_SHAPE.test(value)) return undefined;
    const hash = hashToken(value);
    const found = await this.cache.get(`api-token:${hash}`, () => this.tokens.findByHashWithOwner(hash));
    if (found === undefined) return undefined;
    const { token, owner } = found;
    const now = this.clock.now();
    if (token.revokedAt !== null || token.expiresAt <= now || owner.disabled) return undefined;
    const ownerRoles = owner.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
    // A token never has more than its owner has now.
    const roles = token.roles.filter(
      (r): r is Role => (ROLES as readonly string[]).includes(r) && satisfiesRoles(ownerRoles, [r as Role]),
    );
    if (token.lastUsedAt === null || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.tokens.touch(token.id, now, LAST_USED_RESOLUTION_MS);
      token.lastUsedAt = now;
    }
    return { id: token.id, kind: 'apiToken', username: owner.username, roles, userId: owner.id };
  }
}
