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
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  EMBEDDED_DB_MAX_CONNECTIONS: int(2, 200).default(20),
  MIGRATIONS_RUN: bool('MIGRATIONS_RUN').default(true),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  CORS_ORIGINS: csv
    .refine(
      (list) => list.every((o) => o === '*' || /^https?:\/\/[^\s/]+$/.test(o)),
      'must be a comma-separated list of origins such as https://console.example.com',
    )
    .default([]),
  TRUST_PROXY: csv.default([]),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),
  SHUTDOWN_DRAIN_MS: int(0, 600_000).default(1_000),
  DOCS_ENABLED: bool('DOCS_ENABLED').default(true),
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
});

export type ConfigInput = z.input<typeof configSchema>;
export type RawConfig = z.output<typeof configSchema>;

/** The names of every setting, for documentation and for checks of deployment files. */
export const CONFIG_KEYS = Object.keys(configSchema.shape) as (keyof RawConfig)[];
