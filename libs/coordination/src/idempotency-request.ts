import { createHash } from 'node:crypto';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on a response that was replayed from an earlier request with the same key. */
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** Response headers stored and replayed along with status and body. */
export const REPLAYED_HEADERS = ['location', 'content-location', 'etag', 'last-modified'] as const;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Whether an `Idempotency-Key` value is usable: 1–255 visible ASCII characters. */
export function isValidIdempotencyKey(key: string): boolean {
  return KEY_PATTERN.test(key);
}

/** JSON with object keys sorted at every level, so equal bodies serialize equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === 'object' && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export interface FingerprintInput {
  readonly method: string;
  /** The path and query the request was sent to. */
  readonly url: string;
  readonly body: unknown;
}

/** sha256 (hex) of method, URL and canonical body: what "the same request" means for a key. */
export function requestFingerprint(request: FingerprintInput): string {
  return createHash('sha256')
    .update(canonicalJson([request.method.toUpperCase(), request.url, request.body ?? null]))
    .digest('hex');
}

/** Whose keys these are: the authenticated principal, else the client address. */
export function idempotencyScope(userId: string | undefined, clientIp: string | undefined): string {
  if (userId !== undefined && userId !== '') return `user:${userId}`;
  return `ip:${clientIp ?? 'unknown'}`;
}
