import proxyaddr from 'proxy-addr';
import { isCorsOrigin, splitCorsOrigins } from '@hotswap/contracts';

/**
 * The event gateway's settings (DR-35). Read here rather than through @hotswap/config, whose schema
 * (zod) and Nest module would cost the gateway more memory than its whole budget allows for them;
 * the names, defaults and bounds are the API's for the same settings (README "Configuration").
 */
export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  readonly databaseUrl: string;
  readonly databasePoolSize: number;
  readonly logLevel: 'error' | 'warn' | 'info' | 'silent';
  readonly jwt: {
    readonly secret: string;
    readonly previousSecret?: string;
    readonly privateKeyPem?: string;
    readonly previousPublicKeyPem?: string;
    readonly issuer: string;
    readonly audience: string;
  };
  readonly authStateCacheMs: number;
  /** Allowed browser origins (`CORS_ORIGINS`, the API's rules); empty: no CORS headers at all. */
  readonly corsOrigins: readonly string[];
  /** TRUST_PROXY: the proxies whose X-Forwarded-For is believed, as on the API (Express' `trust proxy`). */
  readonly trustProxy: readonly string[];
  /** The API's `streams` budget: SSE streams opened per caller and window, counted with the API's. */
  readonly rateLimit: {
    readonly enabled: boolean;
    readonly windowSeconds: number;
    readonly streams: number;
  };
  readonly events: {
    readonly pollIntervalMs: number;
    readonly heartbeatMs: number;
    readonly clientBufferBytes: number;
    readonly maxStreamsPerUser: number;
    readonly wsAuthTimeoutMs: number;
  };
}

export class GatewayConfigError extends Error {}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, min: number, max: number, fallback: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name} must be a whole number between ${min} and ${max}`);
    return fallback;
  }
  return Number(raw);
}

function text(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

function pem(env: Env, name: string, kind: string, problems: string[]): string | undefined {
  // Environment variables often carry PEM with literal "\n" sequences.
  const value = text(env, name)?.replace(/\\n/g, '\n');
  if (value !== undefined && !value.includes(`-----BEGIN ${kind}`))
    problems.push(`${name} must be a PEM-encoded ${kind.toLowerCase()}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(raw)) {
    problems.push(`${name} must be one of true, false, 1, 0, yes, no`);
    return fallback;
  }
  return raw === 'true' || raw === '1' || raw === 'yes';
}

function corsOrigins(env: Env, problems: string[]): string[] {
  const origins = splitCorsOrigins(env.CORS_ORIGINS);
  if (!origins.every(isCorsOrigin))
    problems.push(
      'CORS_ORIGINS must be a comma-separated list of origins such as https://console.example.com',
    );
  else if (env.NODE_ENV === 'production' && origins.includes('*'))
    problems.push('CORS_ORIGINS: a wildcard origin is not allowed in production');
  return origins;
}

/** TRUST_PROXY as the API reads it: addresses, CIDR ranges or names (`loopback`, …), comma-separated. */
function trustProxy(env: Env, problems: string[]): string[] {
  const entries = (env.TRUST_PROXY ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  try {
    proxyaddr.compile(entries);
  } catch (error) {
    problems.push(`TRUST_PROXY: ${error instanceof Error ? error.message : String(error)}`);
  }
  return entries;
}

const LOG_LEVELS = ['error', 'warn', 'info', 'silent'] as const;

export function loadGatewayConfig(env: Env): GatewayConfig {
  const problems: string[] = [];
  const databaseUrl = text(env, 'DATABASE_URL');
  if (databaseUrl === undefined || !/^postgres(ql)?:\/\/\S+$/.test(databaseUrl))
    problems.push('DATABASE_URL must be the postgres:// URL of the database the API writes events to');
  const secret = text(env, 'JWT_SECRET');
  if (secret === undefined) problems.push("JWT_SECRET is required (the API's, to verify its access tokens)");
  const logLevel = text(env, 'LOG_LEVEL') ?? 'info';
  const level = (LOG_LEVELS as readonly string[]).includes(logLevel)
    ? (logLevel as GatewayConfig['logLevel'])
    : logLevel === 'fatal'
      ? 'error'
      : logLevel === 'debug' || logLevel === 'trace'
        ? 'info'
        : undefined;
  if (level === undefined)
    problems.push('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  const config: GatewayConfig = {
    host: text(env, 'HOST') ?? '0.0.0.0',
    port: int(env, 'PORT', 0, 65_535, 3001, problems),
    databaseUrl: databaseUrl ?? '',
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 1, 100, 4, problems),
    logLevel: level ?? 'info',
    jwt: {
      secret: secret ?? '',
      previousSecret: text(env, 'JWT_PREVIOUS_SECRET'),
      privateKeyPem: pem(env, 'JWT_PRIVATE_KEY', 'PRIVATE KEY', problems),
      previousPublicKeyPem: pem(env, 'JWT_PREVIOUS_PUBLIC_KEY', 'PUBLIC KEY', problems),
      issuer: text(env, 'JWT_ISSUER') ?? 'hotswap',
      audience: text(env, 'JWT_AUDIENCE') ?? 'hotswap-api',
    },
    authStateCacheMs: int(env, 'AUTH_STATE_CACHE_MS', 0, 60_000, 1_000, problems),
    corsOrigins: corsOrigins(env, problems),
    trustProxy: trustProxy(env, problems),
    rateLimit: {
      enabled: bool(env, 'RATE_LIMIT_ENABLED', true, problems),
      windowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 1, 3_600, 60, problems),
      streams: int(env, 'RATE_LIMIT_STREAMS', 1, 1_000_000, 30, problems),
    },
    events: {
      pollIntervalMs: int(env, 'EVENTS_POLL_INTERVAL_MS', 20, 60_000, 500, problems),
      heartbeatMs: int(env, 'EVENTS_HEARTBEAT_MS', 100, 600_000, 15_000, problems),
      clientBufferBytes: int(
        env,
        'EVENTS_CLIENT_BUFFER_BYTES',
        1_024,
        256 * 1024 * 1024,
        1024 * 1024,
        problems,
      ),
      maxStreamsPerUser: int(env, 'EVENTS_MAX_STREAMS_PER_USER', 1, 10_000, 20, problems),
      wsAuthTimeoutMs: int(env, 'EVENTS_WS_AUTH_TIMEOUT_MS', 100, 600_000, 5_000, problems),
    },
  };
  if (problems.length > 0) throw new GatewayConfigError(problems.join('; '));
  return config;
}
