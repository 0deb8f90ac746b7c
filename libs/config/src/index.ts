export {
  AppConfig,
  type ApprovalSettings,
  type AuditSettings,
  type AuthSettings,
  type CoordinationSettings,
  type DatabaseSettings,
  type EventSettings,
  type FleetSettings,
  type RateLimitSettings,
} from './app-config';
export { ConfigModule } from './config.module';
export {
  CONFIG_KEYS,
  jwtSecretProblem,
  KNOWN_DEFAULT_SECRETS,
  LOG_LEVELS,
  MEMORY_DATA_DIR,
  NODE_ENVS,
  type LogLevel,
  type NodeEnv,
} from './config.schema';
export { InvalidConfigError, loadConfig, type ConfigIssue, type Environment } from './load-config';
