import { isCorsOrigin, splitCorsOrigins } from '@hotswap/contracts';
import { z } from 'zod';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export type NodeEnv = (typeof NODE_ENVS)[number];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** An in-memory, throw-away embedded database instead of a data directory. */
export const MEMORY_DATA_DIR = ':memory:';

const bool = (name: string) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], {
      error: `${name} must be one of true, false, 1, 0, yes, no`,
    })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/[^\s]+$/.test(v), 'must be a postgres:// or postgresql:// URL');

/** Values seen in tutorials and templates; a JWT secret equal to one of them is refused. */
export const KNOWN_DEFAULT_SECRETS = [
  'secret',
  'changeme',
  'change-me',
  'your-256-bit-secret',
  'your-secret-key',
  'supersecret',
  'jwt-secret',
  'hotswap',
  'hotswap-secret',
  'development-secret',
] as const;

/** Why `value` is not acceptable as a JWT signing secret, or undefined when it is. */
export function jwtSecretProblem(value: string): string | undefined {
  if (Buffer.byteLength(value, 'utf8') < 32) return 'must be at least 32 bytes long';
  const lower = value.toLowerCase();
  if ((KNOWN_DEFAULT_SECRETS as readonly string[]).includes(lower)) return 'is a well-known default';
  if (/change_?me|replace_?me|placeholder|example/i.test(value)) return 'is a placeholder, not a secret';
  if (new Set(value).size < 10) return 'is too repetitive to be a random secret';
  return undefined;
}

const jwtSecret = z.string().superRefine((value, ctx) => {
  const problem = jwtSecretProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const pem = (kind: string) =>
  z
    .string()
    // Environment variables often carry PEM with literal "\n" sequences.
    .transform((v) => v.replace(/\\n/g, '\n'))
    .refine((v) => v.includes(`-----BEGIN ${kind}`), `must be a PEM-encoded ${kind.toLowerCase()}`);

/**
 * Every setting HotSwap reads from the environment, with its default. The keys are the environment
 * variable names; nothing else in the code base reads `process.env`.
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(NODE_ENVS, { error: `must be one of ${NODE_ENVS.join(', ')}` }).default('development'),
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1, 'must not be empty').default('0.0.0.0'),
  DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: int(1, 100).default(10),
  DATABASE_PREPARED_STATEMENTS: bool('DATABASE_PREPARED_STATEMENTS').default(true),
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  EMBEDDED_DB_MAX_CONNECTIONS: int(2, 200).default(20),
  MIGRATIONS_RUN: bool('MIGRATIONS_RUN').default(true),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  CORS_ORIGINS: z
    .string()
    .transform(splitCorsOrigins)
    .refine(
      (list) => list.every(isCorsOrigin),
      'must be a comma-separated list of origins such as https://console.example.com',
    )
    .default([]),
  TRUST_PROXY: csv.default([]),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),
  SHUTDOWN_DRAIN_MS: int(0, 600_000).default(1_000),
  DOCS_ENABLED: bool('DOCS_ENABLED').default(true),
  MODULE_MAX_BYTES: int(1024, 512 * 1024 * 1024).default(16 * 1024 * 1024),
  DEMO_CONTENT: bool('DEMO_CONTENT').optional(),
  HEARTBEAT_INTERVAL_MS: int(50, 3_600_000).default(10_000),
  HEARTBEAT_TIMEOUT_MS: int(100, 3 * 3_600_000).optional(),
  METRICS_RETENTION_DAYS: int(1, 3_650).default(7),
  METRICS_FLUSH_INTERVAL_MS: int(10, 5_000).default(200),
  AGENT_OPERATION_TIMEOUT_MS: int(100, 3_600_000).default(60_000),
  ENROLLMENT_TOKEN_TTL_SECONDS: int(60, 30 * 86_400).default(3_600),
  FLEET_SIMULATION: bool('FLEET_SIMULATION').optional(),
  FLEET_SIMULATION_NODES: csv
    .refine(
      (list) => list.every((n) => /^\d+$/.test(n) && Number(n) <= 10_000),
      'must be comma-separated node counts (0–10000), one per seeded environment in rank order',
    )
    .transform((list) => list.map(Number))
    .default([3, 5, 10, 20]),
  FLEET_SIMULATION_SEED: int(0, 2_147_483_647).default(1),
  FLEET_SIMULATION_TIME_SCALE: z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'must be a positive number')
    .transform(Number)
    .pipe(z.number().min(0.01, 'must be at least 0.01').max(1_000, 'must be at most 1000'))
    .default(1),

  // Identity and access (security spec §1–§2).
  JWT_SECRET: jwtSecret.optional(),
  JWT_PREVIOUS_SECRET: jwtSecret.optional(),
  JWT_PRIVATE_KEY: pem('PRIVATE KEY').optional(),
  JWT_PREVIOUS_PUBLIC_KEY: pem('PUBLIC KEY').optional(),
  JWT_ISSUER: z.string().min(1, 'must not be empty').default('hotswap'),
  JWT_AUDIENCE: z.string().min(1, 'must not be empty').default('hotswap-api'),
  ACCESS_TOKEN_TTL_SECONDS: int(60, 86_400).default(900),
  REFRESH_TOKEN_TTL_SECONDS: int(300, 90 * 86_400).default(7 * 86_400),
  AUTH_STATE_CACHE_MS: int(0, 60_000).default(1_000),
  HOTSWAP_ADMIN_PASSWORD: z.string().min(12, 'must be at least 12 characters').max(256).optional(),
  HOTSWAP_DEMO_USERS: bool('HOTSWAP_DEMO_USERS').default(false),

  // Rate limiting (security spec §5): requests per window, per user/token or per client IP.
  RATE_LIMIT_ENABLED: bool('RATE_LIMIT_ENABLED').default(true),
  RATE_LIMIT_WINDOW_SECONDS: int(1, 3_600).default(60),
  RATE_LIMIT_LOGIN: int(1, 1_000_000).default(10),
  RATE_LIMIT_MUTATING: int(1, 1_000_000).default(120),
  RATE_LIMIT_READS: int(1, 1_000_000).default(1_200),
  RATE_LIMIT_STREAMS: int(1, 1_000_000).default(30),

  // Audit trail (security spec §9).
  AUDIT_RETENTION_DAYS: int(1, 36_500).default(90),
  AUDIT_RETENTION_INTERVAL_MS: int(1_000, 86_400_000).default(3_600_000),
  LOCK_POOL_SIZE: int(1, 100).default(4),
  LEADER_RENEW_INTERVAL_MS: int(100, 600_000).default(5_000),
  LEADER_LEASE_TTL_MS: int(300, 3_600_000).default(15_000),
  QUEUE_POOL_SIZE: int(1, 100).default(4),
  QUEUE_RETRY_LIMIT: int(0, 100).default(5),
  QUEUE_RETRY_DELAY_SECONDS: int(1, 86_400).default(2),
  QUEUE_RETRY_DELAY_MAX_SECONDS: int(1, 86_400).default(32),
  QUEUE_JOB_TIMEOUT_SECONDS: int(1, 86_400).default(300),
  QUEUE_POLLING_INTERVAL_MS: int(500, 600_000).default(1_000),
  QUEUE_SUPERVISE_INTERVAL_SECONDS: int(1, 3_600).default(10),
  IDEMPOTENCY_TTL_HOURS: int(1, 720).default(24),
  IDEMPOTENCY_IN_FLIGHT_TIMEOUT_MS: int(1_000, 3_600_000).default(60_000),
  IDEMPOTENCY_PRUNE_INTERVAL_MS: int(1_000, 86_400_000).default(3_600_000),

  // Approvals (deployments spec §7) and their outgoing webhooks (security spec §8).
  APPROVAL_SWEEP_INTERVAL_MS: int(100, 3_600_000).default(10_000),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool('WEBHOOK_ALLOW_PRIVATE_TARGETS').default(false),
  WEBHOOK_TIMEOUT_MS: int(100, 120_000).default(10_000),
  WEBHOOK_RETRY_LIMIT: int(0, 50).default(6),
  WEBHOOK_RETRY_DELAY_SECONDS: int(1, 3_600).default(5),
  WEBHOOK_RETRY_DELAY_MAX_SECONDS: int(1, 86_400).default(600),

  // Event log and live streams (events spec).
  EVENTS_RETENTION_DAYS: int(1, 3_650).default(7),
  EVENTS_RETENTION_INTERVAL_MS: int(1_000, 86_400_000).default(3_600_000),
  EVENTS_POLL_INTERVAL_MS: int(20, 60_000).default(500),
  EVENTS_HEARTBEAT_MS: int(100, 600_000).default(15_000),
  EVENTS_CLIENT_BUFFER_BYTES: int(1_024, 256 * 1024 * 1024).default(1024 * 1024),
  EVENTS_MAX_STREAMS_PER_USER: int(1, 10_000).default(20),
  EVENTS_WS_AUTH_TIMEOUT_MS: int(100, 600_000).default(5_000),
});

export type ConfigInput = z.input<typeof configSchema>;
export type RawConfig = z.output<typeof configSchema>;

/** The names of every setting, for documentation and for checks of deployment files. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof RawConfig)[];
