/**
 * Cross-origin rules of every HotSwap HTTP server (`CORS_ORIGINS`): the API applies them through
 * Nest's `enableCors`, the event gateway through the same `cors` middleware with the same options.
 */

/** One entry of `CORS_ORIGINS`: `*` or a scheme and host (and port), no path. */
export function isCorsOrigin(entry: string): boolean {
  return entry === '*' || /^https?:\/\/[^\s/]+$/.test(entry);
}

/** `CORS_ORIGINS` as a list: comma-separated, trimmed, blanks dropped. */
export function splitCorsOrigins(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Response headers a cross-origin console may read. */
export const CORS_EXPOSED_HEADERS = [
  'X-Request-Id',
  'traceparent',
  'Location',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'RateLimit-Policy',
] as const;

/** The options of the `cors` middleware for these origins; undefined (no CORS at all) for none. */
export interface CorsPolicy {
  readonly origin: true | string[];
  readonly credentials: boolean;
  readonly exposedHeaders: string[];
  readonly maxAge: number;
}

export function corsPolicy(origins: readonly string[]): CorsPolicy | undefined {
  if (origins.length === 0) return undefined;
  const wildcard = origins.includes('*');
  return {
    // `*` reflects any origin, without credentials; otherwise only the listed origins, with them.
    origin: wildcard ? true : [...origins],
    credentials: !wildcard,
    exposedHeaders: [...CORS_EXPOSED_HEADERS],
    maxAge: 600,
  };
}
