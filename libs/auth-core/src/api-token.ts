import { createHash } from 'node:crypto';
import { ROLES, satisfiesRoles, type Role } from '@hotswap/contracts';

export const API_TOKEN_PREFIX = 'hs_';
const API_TOKEN_SHAPE = /^hs_[A-Za-z0-9_-]{43}$/;
/** Last-used time is written at most this often per token. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function looksLikeApiToken(value: string): boolean {
  return value.startsWith(API_TOKEN_PREFIX);
}

export function wellFormedApiToken(value: string): boolean {
  return API_TOKEN_SHAPE.test(value);
}

/** sha256 hex: how refresh and API token values are stored (they are 256-bit random, so no salt is needed). */
export function hashToken(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** What deciding on an API token needs: the token row and its owner. */
export interface ApiTokenRecord {
  readonly id: string;
  readonly roles: readonly string[];
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
  readonly lastUsedAt: Date | null;
  readonly owner: {
    readonly id: string;
    readonly username: string;
    readonly roles: readonly string[];
    readonly disabled: boolean;
  };
}

export interface ApiTokenPrincipal {
  readonly id: string;
  readonly kind: 'apiToken';
  readonly username: string;
  readonly roles: readonly Role[];
  readonly userId: string;
}

/** The token and its owner by hash, in one query (the API's repository and the event gateway run it). */
export const API_TOKEN_SQL = `SELECT t.id, t.roles, t.expires_at, t.revoked_at, t.last_used_at,
  u.id AS owner_id, u.username, u.roles AS owner_roles, u.disabled
  FROM api_tokens t INNER JOIN users u ON u.id = t.owner_id WHERE t.token_hash = $1`;

/** Records that the token was used, at most once per {@link LAST_USED_RESOLUTION_MS}. */
export const TOUCH_API_TOKEN_SQL =
  'UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)';

export function apiTokenRecordOf(rows: unknown): ApiTokenRecord | undefined {
  const row: unknown = Array.isArray(rows) ? rows[0] : undefined;
  if (typeof row !== 'object' || row === null) return undefined;
  const r = row as Record<string, unknown>;
  const date = (v: unknown): Date | null =>
    v instanceof Date ? v : typeof v === 'string' || typeof v === 'number' ? new Date(v) : null;
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  return {
    id: String(r.id),
    roles: strings(r.roles),
    expiresAt: date(r.expires_at) ?? new Date(0),
    revokedAt: date(r.revoked_at),
    lastUsedAt: date(r.last_used_at),
    owner: {
      id: String(r.owner_id),
      username: String(r.username),
      roles: strings(r.owner_roles),
      disabled: r.disabled === true,
    },
  };
}

/** The principal of a live API token: not revoked or expired, owner enabled, roles capped by the owner's now. */
export function apiTokenPrincipal(record: ApiTokenRecord, now: Date): ApiTokenPrincipal | undefined {
  const { owner } = record;
  if (record.revokedAt !== null || record.expiresAt <= now || owner.disabled) return undefined;
  const ownerRoles = owner.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
  // A token never has more than its owner has now.
  const roles = record.roles.filter(
    (r): r is Role => (ROLES as readonly string[]).includes(r) && satisfiesRoles(ownerRoles, [r as Role]),
  );
  return { id: record.id, kind: 'apiToken', username: owner.username, roles, userId: owner.id };
}

/** Whether the last-used time is stale enough to be written again. */
export function lastUseDue(record: ApiTokenRecord, now: Date): boolean {
  return record.lastUsedAt === null || now.getTime() - record.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;
}

/** Where {@link authenticateApiToken} reads the record (cached by the caller) and records the use. */
export interface ApiTokenStore {
  load(tokenHash: string): Promise<ApiTokenRecord | undefined>;
  touch(id: string, at: Date, minIntervalMs: number): Promise<void>;
}

/**
 * `Bearer hs_…`: the shape, the record by hash, the rules of {@link apiTokenPrincipal}, and the last
 * use written at most once per {@link LAST_USED_RESOLUTION_MS}.
 */
export async function authenticateApiToken(
  value: string,
  store: ApiTokenStore,
  now: Date,
): Promise<ApiTokenPrincipal | undefined> {
  if (!wellFormedApiToken(value)) return undefined;
  const record = await store.load(hashToken(value));
  if (record === undefined) return undefined;
  const principal = apiTokenPrincipal(record, now);
  if (principal !== undefined && lastUseDue(record, now)) {
    await store.touch(record.id, now, LAST_USED_RESOLUTION_MS);
    // A cached record is this object: later uses within the period skip the write.
    (record as { lastUsedAt: Date | null }).lastUsedAt = now;
  }
  return principal;
}
