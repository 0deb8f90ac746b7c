import { MEMORY_DATA_DIR, type LogLevel, type NodeEnv, type RawConfig } from './config.schema';

export interface DatabaseSettings {
  /** The PostgreSQL server to use; absent means the embedded database. */
  readonly url: string | undefined;
  readonly poolSize: number;
  /** Prepare frequent statements once per connection (a PostgreSQL server only; see Database). */
  readonly preparedStatements: boolean;
  /** Where the embedded database keeps its files; `undefined` means in memory. */
  readonly embeddedDataDir: string | undefined;
  readonly embeddedMaxConnections: number;
  readonly runMigrations: boolean;
}

export interface FleetSettings {
  /** How often nodes heartbeat (agents are told this value in `welcome`). */
  readonly heartbeatIntervalMs: number;
  /** A node silent for longer is `Unknown` (default 3 × interval). */
  readonly heartbeatTimeoutMs: number;
  readonly metricsRetentionDays: number;
  /** Heartbeat samples are buffered and written in one multi-row statement per flush. */
  readonly metricsFlushIntervalMs: number;
  /** A desired state an agent has not reported on within this time fails the operation. */
  readonly agentOperationTimeoutMs: number;
  readonly enrollmentTokenTtlSeconds: number;
  readonly simulation: {
    readonly enabled: boolean;
    /** Simulated nodes per seeded environment, in rank order (Development, QA, Staging, Production). */
    readonly nodeCounts: readonly number[];
    readonly seed: number;
    /** > 1 makes simulated time run faster (heartbeats, install delays). */
    readonly timeScale: number;
  };
}

export interface AuthSettings {
  /** HS256 signing secret; absent outside production means one is generated (see the auth lib). */
  readonly jwtSecret: string | undefined;
  /** The secret before the last rotation: still verifies tokens until they expire, never signs. */
  readonly jwtPreviousSecret: string | undefined;
  /** ES256 (P-256) private key in PEM; when set, access tokens are signed with it and published as JWKS. */
  readonly jwtPrivateKey: string | undefined;
  /** The public key of the previous ES256 key pair, kept for verification after a rotation. */
  readonly jwtPreviousPublicKey: string | undefined;
  readonly issuer: string;
  readonly audience: string;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  /** How long a replica may trust its cached view of a user's or session's state. */
  readonly stateCacheMs: number;
  readonly adminPassword: string | undefined;
  readonly demoUsers: boolean;
}

export interface RateLimitSettings {
  readonly enabled: boolean;
  readonly windowSeconds: number;
  readonly login: number;
  readonly mutating: number;
  readonly reads: number;
  readonly streams: number;
}

export interface AuditSettings {
  readonly retentionDays: number;
  readonly retentionIntervalMs: number;
}

export interface CoordinationSettings {
  /** Dedicated connections for session-level advisory locks (each held lock keeps one). */
  readonly lockPoolSize: number;
  readonly leaderRenewIntervalMs: number;
  readonly leaderLeaseTtlMs: number;
  readonly queue: {
    readonly poolSize: number;
    readonly retryLimit: number;
    readonly retryDelaySeconds: number;
    readonly retryDelayMaxSeconds: number;
    readonly jobTimeoutSeconds: number;
    readonly pollingIntervalMs: number;
    readonly superviseIntervalSeconds: number;
  };
  readonly idempotency: {
    readonly ttlMs: number;
    readonly inFlightTimeoutMs: number;
    readonly pruneIntervalMs: number;
  };
}

export interface ApprovalSettings {
  /** How often the leader looks for gates past their timeout. */
  readonly sweepIntervalMs: number;
  readonly webhooks: {
    /** Deliver to private, loopback and link-local addresses (off: refused, security spec §8). */
    readonly allowPrivateTargets: boolean;
    readonly timeoutMs: number;
    readonly retryLimit: number;
    readonly retryDelaySeconds: number;
    readonly retryDelayMaxSeconds: number;
  };
}

export interface EventSettings {
  /** Events older than this are pruned (a client cursor behind them gets `resync`). */
  readonly retentionDays: number;
  readonly retentionIntervalMs: number;
  /** The relay's catch-up poll, covering lost notifications and reconnects. */
  readonly pollIntervalMs: number;
  /** Idle streams get a heartbeat this often. */
  readonly heartbeatMs: number;
  /** A client with more than this many bytes waiting to be sent is disconnected with `overflow`. */
  readonly clientBufferBytes: number;
  /** Open streams (SSE connections and WebSocket subscriptions) per user on one replica. */
  readonly maxStreamsPerUser: number;
  /** A WebSocket that has not authenticated within this time is closed. */
  readonly wsAuthTimeoutMs: number;
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
  readonly fleet: FleetSettings;
  readonly auth: AuthSettings;
  readonly rateLimit: RateLimitSettings;
  readonly audit: AuditSettings;
  readonly coordination: CoordinationSettings;
  readonly approvals: ApprovalSettings;
  readonly events: EventSettings;

  constructor(raw: RawConfig) {
    this.nodeEnv = raw.NODE_ENV;
    this.port = raw.PORT;
    this.host = raw.HOST;
    this.dataDir = raw.DATA_DIR;
    this.database = {
      url: raw.DATABASE_URL,
      poolSize: raw.DATABASE_POOL_SIZE,
      preparedStatements: raw.DATABASE_PREPARED_STATEMENTS,
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
    this.fleet = {
      heartbeatIntervalMs: raw.HEARTBEAT_INTERVAL_MS,
      heartbeatTimeoutMs: raw.HEARTBEAT_TIMEOUT_MS ?? 3 * raw.HEARTBEAT_INTERVAL_MS,
      metricsRetentionDays: raw.METRICS_RETENTION_DAYS,
      metricsFlushIntervalMs: raw.METRICS_FLUSH_INTERVAL_MS,
      agentOperationTimeoutMs: raw.AGENT_OPERATION_TIMEOUT_MS,
      enrollmentTokenTtlSeconds: raw.ENROLLMENT_TOKEN_TTL_SECONDS,
      simulation: {
        // On by default in the zero-setup (embedded) mode; never in production unless asked for.
        enabled: raw.FLEET_SIMULATION ?? (raw.DATABASE_URL === undefined && raw.NODE_ENV !== 'production'),
        nodeCounts: raw.FLEET_SIMULATION_NODES,
        seed: raw.FLEET_SIMULATION_SEED,
        timeScale: raw.FLEET_SIMULATION_TIME_SCALE,
      },
    };
    this.auth = {
      jwtSecret: raw.JWT_SECRET,
      jwtPreviousSecret: raw.JWT_PREVIOUS_SECRET,
      jwtPrivateKey: raw.JWT_PRIVATE_KEY,
      jwtPreviousPublicKey: raw.JWT_PREVIOUS_PUBLIC_KEY,
      issuer: raw.JWT_ISSUER,
      audience: raw.JWT_AUDIENCE,
      accessTokenTtlSeconds: raw.ACCESS_TOKEN_TTL_SECONDS,
      refreshTokenTtlSeconds: raw.REFRESH_TOKEN_TTL_SECONDS,
      stateCacheMs: raw.AUTH_STATE_CACHE_MS,
      adminPassword: raw.HOTSWAP_ADMIN_PASSWORD,
      demoUsers: raw.HOTSWAP_DEMO_USERS,
    };
    this.rateLimit = {
      enabled: raw.RATE_LIMIT_ENABLED,
      windowSeconds: raw.RATE_LIMIT_WINDOW_SECONDS,
      login: raw.RATE_LIMIT_LOGIN,
      mutating: raw.RATE_LIMIT_MUTATING,
      reads: raw.RATE_LIMIT_READS,
      streams: raw.RATE_LIMIT_STREAMS,
    };
    this.audit = {
      retentionDays: raw.AUDIT_RETENTION_DAYS,
      retentionIntervalMs: raw.AUDIT_RETENTION_INTERVAL_MS,
    };
    this.coordination = {
      lockPoolSize: raw.LOCK_POOL_SIZE,
      leaderRenewIntervalMs: raw.LEADER_RENEW_INTERVAL_MS,
      leaderLeaseTtlMs: raw.LEADER_LEASE_TTL_MS,
      queue: {
        poolSize: raw.QUEUE_POOL_SIZE,
        retryLimit: raw.QUEUE_RETRY_LIMIT,
        retryDelaySeconds: raw.QUEUE_RETRY_DELAY_SECONDS,
        retryDelayMaxSeconds: raw.QUEUE_RETRY_DELAY_MAX_SECONDS,
        jobTimeoutSeconds: raw.QUEUE_JOB_TIMEOUT_SECONDS,
        pollingIntervalMs: raw.QUEUE_POLLING_INTERVAL_MS,
        superviseIntervalSeconds: raw.QUEUE_SUPERVISE_INTERVAL_SECONDS,
      },
      idempotency: {
        ttlMs: raw.IDEMPOTENCY_TTL_HOURS * 3_600_000,
        inFlightTimeoutMs: raw.IDEMPOTENCY_IN_FLIGHT_TIMEOUT_MS,
        pruneIntervalMs: raw.IDEMPOTENCY_PRUNE_INTERVAL_MS,
      },
    };
    this.approvals = {
      sweepIntervalMs: raw.APPROVAL_SWEEP_INTERVAL_MS,
      webhooks: {
        allowPrivateTargets: raw.WEBHOOK_ALLOW_PRIVATE_TARGETS,
        timeoutMs: raw.WEBHOOK_TIMEOUT_MS,
        retryLimit: raw.WEBHOOK_RETRY_LIMIT,
        retryDelaySeconds: raw.WEBHOOK_RETRY_DELAY_SECONDS,
        retryDelayMaxSeconds: raw.WEBHOOK_RETRY_DELAY_MAX_SECONDS,
      },
    };
    this.events = {
      retentionDays: raw.EVENTS_RETENTION_DAYS,
      retentionIntervalMs: raw.EVENTS_RETENTION_INTERVAL_MS,
      pollIntervalMs: raw.EVENTS_POLL_INTERVAL_MS,
      heartbeatMs: raw.EVENTS_HEARTBEAT_MS,
      clientBufferBytes: raw.EVENTS_CLIENT_BUFFER_BYTES,
      maxStreamsPerUser: raw.EVENTS_MAX_STREAMS_PER_USER,
      wsAuthTimeoutMs: raw.EVENTS_WS_AUTH_TIMEOUT_MS,
    };
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
