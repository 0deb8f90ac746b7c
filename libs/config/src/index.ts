export { AppConfig, type DatabaseSettings, type FleetSettings } from './app-config';
export { ConfigModule } from './config.module';
export {
  CONFIG_KEYS,
  LOG_LEVELS,
  MEMORY_DATA_DIR,
  NODE_ENVS,
  type LogLevel,
  type NodeEnv,
} from './config.schema';
export { InvalidConfigError, loadConfig, type ConfigIssue, type Environment } from './load-config';
