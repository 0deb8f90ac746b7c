import { splitCorsOrigins } from '@hotswap/contracts';
import { AppConfig } from './app-config';
import { configSchema } from './config.schema';

export type Environment = Readonly<Record<string, string | undefined>>;

export interface ConfigIssue {
  readonly setting: string;
  readonly message: string;
}

/** Thrown when the environment holds a setting HotSwap cannot accept; the message names each one. */
export class InvalidConfigError extends Error {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i.setting}: ${i.message}`).join('\n')}`);
    this.name = 'InvalidConfigError';
  }
}

/**
 * Rules that apply only with NODE_ENV=production (security spec §7). They read the raw values, so
 * they are reported together with any other invalid setting.
 */
function productionIssues(entries: Readonly<Record<string, string>>): ConfigIssue[] {
  if (entries.NODE_ENV !== 'production') return [];
  const issues: ConfigIssue[] = [];
  if (splitCorsOrigins(entries.CORS_ORIGINS).includes('*')) {
    issues.push({ setting: 'CORS_ORIGINS', message: 'a wildcard origin is not allowed in production' });
  }
  // A wrong JWT_SECRET is already reported by the schema; production additionally requires one.
  if (entries.JWT_SECRET === undefined) {
    issues.push({
      setting: 'JWT_SECRET',
      message: 'is required in production (at least 32 random bytes, e.g. `openssl rand -base64 48`)',
    });
  }
  if (['true', '1', 'yes'].includes(entries.HOTSWAP_DEMO_USERS ?? '')) {
    issues.push({ setting: 'HOTSWAP_DEMO_USERS', message: 'demo users are not allowed in production' });
  }
  return issues;
}

/** Relations between coordination settings that single-value rules cannot express. */
function coordinationIssues(entries: Readonly<Record<string, string>>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const number = (key: string, fallback: number): number => {
    const value = Number(entries[key] ?? fallback);
    return Number.isFinite(value) ? value : fallback;
  };
  // A leader must get at least two renewal attempts in before its lease can lapse.
  if (number('LEADER_LEASE_TTL_MS', 15_000) < 2 * number('LEADER_RENEW_INTERVAL_MS', 5_000)) {
    issues.push({
      setting: 'LEADER_LEASE_TTL_MS',
      message: 'must be at least twice LEADER_RENEW_INTERVAL_MS',
    });
  }
  if (number('QUEUE_RETRY_DELAY_MAX_SECONDS', 32) < number('QUEUE_RETRY_DELAY_SECONDS', 2)) {
    issues.push({
      setting: 'QUEUE_RETRY_DELAY_MAX_SECONDS',
      message: 'must not be smaller than QUEUE_RETRY_DELAY_SECONDS',
    });
  }
  return issues;
}

function relevantEntries(env: Environment): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    // An empty variable is treated as unset, as shells and container runtimes often export them empty.
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

/**
 * Reads and validates the configuration once. `env` defaults to the process environment: this is
 * the only place in HotSwap that reads it.
 */
export function loadConfig(env: Environment = process.env): AppConfig {
  const entries = relevantEntries(env);
  const parsed = configSchema.safeParse(entries);
  const issues: ConfigIssue[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({
        setting: issue.path.map(String).join('.') || '(environment)',
        message: issue.message,
      }));
  issues.push(...productionIssues(entries), ...coordinationIssues(entries));
  if (!parsed.success || issues.length > 0) throw new InvalidConfigError(issues);
  return new AppConfig(parsed.data);
}
