import { ROLES, type Role } from '@hotswap/contracts';
import jwt from 'jsonwebtoken';
import type { SigningKeys } from './signing-keys';

/** Longest bearer value looked at; anything longer is refused unread. */
export const MAX_BEARER_LENGTH = 8 * 1024;

/** What a request with an access token needs to know about its session, in one indexed query. */
export interface SessionState {
  readonly userId: string;
  readonly revoked: boolean;
  readonly disabled: boolean;
  readonly tokenVersion: number;
}

/** A user principal from an access token (same shape as the API's `req.user`). */
export interface AccessTokenPrincipal {
  readonly id: string;
  readonly kind: 'user';
  readonly username: string;
  readonly roles: readonly Role[];
  readonly userId: string;
  readonly sessionId: string;
}

export interface AccessTokenSettings {
  readonly issuer: string;
  readonly audience: string;
}

/** A bearer value worth verifying at all: bounded, and only token characters. */
export function plausibleBearer(token: string): boolean {
  return token.length > 0 && token.length <= MAX_BEARER_LENGTH && /^[A-Za-z0-9._~+/=-]+$/.test(token);
}

/**
 * The claims of a valid access token: the key chosen by `kid` and bound to its algorithm
 * ({@link SigningKeys.keyFor}), signature, `exp`, `iss` and `aud` checked with no clock tolerance
 * — what the API's passport strategy checks. Undefined for anything else.
 */
export function verifyAccessToken(
  raw: string,
  keys: SigningKeys,
  settings: AccessTokenSettings,
): Record<string, unknown> | undefined {
  const key = keys.keyFor(raw);
  if (key === undefined) return undefined;
  try {
    const payload = jwt.verify(raw, key.key, {
      algorithms: [key.alg],
      issuer: settings.issuer,
      audience: settings.audience,
      clockTolerance: 0,
    });
    return typeof payload === 'object' && payload !== null ? payload : undefined;
  } catch {
    return undefined;
  }
}

function isRoleList(value: unknown): value is Role[] {
  return Array.isArray(value) && value.every((r) => (ROLES as readonly unknown[]).includes(r));
}

/**
 * The principal of verified access-token claims, or false: the claims must be complete and the
 * session live (not revoked, user enabled, same user, same token version — a password change or
 * role change bumps the version).
 */
export async function principalFromClaims(
  payload: unknown,
  sessionState: (sessionId: string) => Promise<SessionState | undefined>,
): Promise<AccessTokenPrincipal | false> {
  if (typeof payload !== 'object' || payload === null) return false;
  const { sub, sid, ver, roles, preferred_username: username } = payload as Record<string, unknown>;
  if (
    typeof sub !== 'string' ||
    typeof sid !== 'string' ||
    typeof ver !== 'number' ||
    typeof username !== 'string' ||
    !isRoleList(roles)
  ) {
    return false;
  }
  const state = await sessionState(sid);
  if (
    state === undefined ||
    state.revoked ||
    state.disabled ||
    state.userId !== sub ||
    state.tokenVersion !== ver
  ) {
    return false;
  }
  return { id: sub, kind: 'user', username, roles, userId: sub, sessionId: sid };
}

/** The session's state in one indexed query (the API's sessions repository and the gateway run it). */
export const SESSION_STATE_SQL = `SELECT s.user_id AS "userId", s.revoked_at IS NOT NULL AS revoked,
  u.disabled AS disabled, u.token_version AS "tokenVersion"
  FROM auth_sessions s INNER JOIN users u ON u.id = s.user_id WHERE s.id = $1`;

export function sessionStateOf(rows: unknown): SessionState | undefined {
  const row: unknown = Array.isArray(rows) ? rows[0] : undefined;
  if (typeof row !== 'object' || row === null) return undefined;
  const r = row as { userId: unknown; revoked: unknown; disabled: unknown; tokenVersion: unknown };
  return {
    userId: String(r.userId),
    revoked: r.revoked === true,
    disabled: r.disabled === true,
    tokenVersion: Number(r.tokenVersion),
  };
}
