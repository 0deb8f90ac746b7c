import { MEMORY_DATA_DIR, type LogLevel, type NodeEnv, type RawConfig } from './config.schema';

export interface DatabaseSettings {
  /** The PostgreSQL server to use; absent means the embedded database. */
  readonly url: string | undefined;
  readonly poolSize: number;
  /** Where the embedded database keeps its files; `undefined` means in memory. */
  readonly embeddedDataDir: string | undefined;
  readonly embeddedMaxConnections: number;
  readonly runMigrations: boolean;
}

/** The validated, typed configuration of one HotSwap process. */
export class AppConfig {
  readonly nodeEnv: NodeEnv;
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly database: DatabaseSettings;
  readonly logLevel: LogLevel;
  readonly corsOrigins: readonly string[];
  readonly trustProxy: readonly string[];
  readonly shutdownTimeoutMs: number;
  readonly shutdownDrainMs: number;
  readonly docsEnabled: boolean;
  /** Largest module artifact accepted, in bytes. */
  readonly moduleMaxBytes: number;
  /** Seed a demo signing key and sample modules on first start (default: embedded mode outside production). */
  readonly demoContent: boolean;

  constructor(raw: RawConfig) {
    this.nodeEnv = raw.NODE_ENV;
    this.port = raw.PORT;
    this.host = raw.HOST;
    this.dataDir = raw.DATA_DIR;
    this.database = {
      url: raw.DATABASE_URL,
      poolSize: raw.DATABASE_POOL_SIZE,
      embeddedDataDir: raw.DATA_DIR === MEMORY_DATA_DIR ? undefined : `${raw.DATA_DIR}/pglite`,
      embeddedMaxConnections: raw.EMBEDDED_DB_MAX_CONNECTIONS,
      runMigrations: raw.MIGRATIONS_RUN,
    };
    this.logLevel = raw.LOG_LEVEL;
    this.corsOrigins = raw.CORS_ORIGINS;
    this.trustProxy = raw.TRUST_PROXY;
    this.shutdownTimeoutMs = raw.SHUTDOWN_TIMEOUT_MS;
    this.shutdownDrainMs = Math.min(raw.SHUTDOWN_DRAIN_MS, Math.floor(raw.SHUTDOWN_TIMEOUT_MS / 2));
    this.docsEnabled = raw.DOCS_ENABLED;
    this.moduleMaxBytes = raw.MODULE_MAX_BYTES;
    this.demoContent = raw.DEMO_CONTENT ?? (raw.DATABASE_URL === undefined && raw.NODE_ENV !== 'production');
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }

  get isDevelopment(): boolean {
    return this.nodeEnv === 'development';
  }

  get usesEmbeddedDatabase(): boolean {
    return this.database.url === undefined;
  }
}
