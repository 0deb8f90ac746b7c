import { createHmac, timingSafeEqual, verify } from 'node:crypto';
import { ROLES, type Role } from '@hotswap/contracts';
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

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]+)$/;

/** The token of an `Authorization: Bearer …` header; undefined for any other shape. */
export function bearerToken(header: string): string | undefined {
  return header.length > MAX_BEARER_LENGTH + 7 ? undefined : BEARER.exec(header)?.[1];
}

/** A bearer value worth verifying at all: bounded, and only token characters. */
export function plausibleBearer(token: string): boolean {
  return token.length > 0 && token.length <= MAX_BEARER_LENGTH && /^[A-Za-z0-9._~+/=-]+$/.test(token);
}

function jsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The claims of a valid access token, or undefined: the key chosen by `kid` and bound to its
 * algorithm ({@link SigningKeys.keyFor}: `typ` must be `at+jwt`, `none` and any other algorithm are
 * refused), the signature (HS256 compared in constant time, ES256 in JOSE's r‖s form), then `exp`
 * (required; expired at `exp`), `nbf`, `iss` and `aud`, with no clock tolerance. Written on
 * node:crypto (~50 lines) rather than a JWT library: the API's guard, its WebSocket auth and the
 * event gateway all verify here, and the gateway's memory budget has no room for one (DR-35).
 */
export function verifyAccessToken(
  raw: string,
  keys: SigningKeys,
  settings: AccessTokenSettings,
  nowMs = Date.now(),
): Record<string, unknown> | undefined {
  const parts = raw.split('.');
  if (parts.length !== 3) return undefined;
  const [header, body, signaturePart] = parts as [string, string, string];
  if (!BASE64URL.test(header) || !BASE64URL.test(body) || !BASE64URL.test(signaturePart)) return undefined;
  const key = keys.keyFor(raw);
  if (key === undefined) return undefined;
  const signed = Buffer.from(`${header}.${body}`, 'ascii');
  const signature = Buffer.from(signaturePart, 'base64url');
  let valid: boolean;
  if (key.alg === 'HS256') {
    const expected = createHmac('sha256', key.key).update(signed).digest();
    valid = signature.length === expected.length && timingSafeEqual(signature, expected);
  } else {
    valid =
      signature.length === 64 &&
      verify('sha256', signed, { key: key.key, dsaEncoding: 'ieee-p1363' }, signature);
  }
  if (!valid) return undefined;
  const claims = jsonPart(body);
  if (claims === undefined) return undefined;
  const now = Math.floor(nowMs / 1000);
  const { exp, nbf, iat, iss, aud } = claims;
  if (typeof exp !== 'number' || now >= exp) return undefined;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now)) return undefined;
  if (iat !== undefined && typeof iat !== 'number') return undefined;
  if (iss !== settings.issuer) return undefined;
  if (!(Array.isArray(aud) ? aud : [aud]).includes(settings.audience)) return undefined;
  return claims;
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
