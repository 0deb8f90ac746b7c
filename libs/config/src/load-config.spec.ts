import { AppConfig } from './app-config';
import { CONFIG_KEYS } from './config.schema';
import { InvalidConfigError, loadConfig, type Environment } from './load-config';

/** A valid production secret (never used outside tests). */
const PROD_SECRET = 'q7Vd0xZ3mK9pL2sT8wR4nB6yH1cF5gJ0aE3uI7oP';

function configError(env: Environment): InvalidConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof InvalidConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  describe('defaults', () => {
    const config = loadConfig({});

    it('returns an AppConfig', () => {
      expect(config).toBeInstanceOf(AppConfig);
    });

    it('listens on port 3000 in development', () => {
      expect(config.port).toBe(3000);
      expect(config.nodeEnv).toBe('development');
      expect(config.isDevelopment).toBe(true);
      expect(config.isProduction).toBe(false);
    });

    it('keeps data in ./data and the embedded database in ./data/pglite', () => {
      expect(config.dataDir).toBe('./data');
      expect(config.database.embeddedDataDir).toBe('./data/pglite');
    });

    it('uses the embedded database when DATABASE_URL is unset', () => {
      expect(config.database.url).toBeUndefined();
      expect(config.usesEmbeddedDatabase).toBe(true);
    });

    it('runs migrations, logs at info, allows no cross-origin callers and trusts no proxy', () => {
      expect(config.database.runMigrations).toBe(true);
      expect(config.database.preparedStatements).toBe(true);
      expect(config.logLevel).toBe('info');
      expect(config.corsOrigins).toEqual([]);
      expect(config.trustProxy).toEqual([]);
    });
  });

  it('keeps the embedded database in memory when DATA_DIR is :memory:', () => {
    const config = loadConfig({ DATA_DIR: ':memory:' });
    expect(config.dataDir).toBe(':memory:');
    expect(config.database.embeddedDataDir).toBeUndefined();
  });

  it('puts the embedded database under a custom DATA_DIR', () => {
    expect(loadConfig({ DATA_DIR: '/var/lib/hotswap' }).database.embeddedDataDir).toBe(
      '/var/lib/hotswap/pglite',
    );
  });

  it('uses the server named by DATABASE_URL instead of the embedded database', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://hotswap@db:5432/hotswap' });
    expect(config.database.url).toBe('postgresql://hotswap@db:5432/hotswap');
    expect(config.usesEmbeddedDatabase).toBe(false);
  });

  it('parses numbers and booleans from their string form', () => {
    const config = loadConfig({
      PORT: '8080',
      MIGRATIONS_RUN: 'no',
      DOCS_ENABLED: '0',
      LOG_LEVEL: 'debug',
      DATABASE_PREPARED_STATEMENTS: 'false',
    });
    expect(config.port).toBe(8080);
    expect(config.database.runMigrations).toBe(false);
    expect(config.database.preparedStatements).toBe(false);
    expect(config.docsEnabled).toBe(false);
    expect(config.logLevel).toBe('debug');
  });

  it('ignores variables that are not settings', () => {
    expect(loadConfig({ HOME: '/root', UNRELATED: 'not a port' }).port).toBe(3000);
  });

  describe('invalid values', () => {
    it.each([
      ['PORT', 'abc'],
      ['PORT', '70000'],
      ['NODE_ENV', 'staging'],
      ['LOG_LEVEL', 'loud'],
      ['DATABASE_URL', 'mysql://x'],
      ['CORS_ORIGINS', 'not a url'],
      ['MIGRATIONS_RUN', 'maybe'],
      ['DATABASE_PREPARED_STATEMENTS', 'sometimes'],
      ['SHUTDOWN_TIMEOUT_MS', '5'],
    ])('refuses %s=%s and names the setting', (setting, value) => {
      const error = configError({ [setting]: value });
      expect(error.issues.map((i) => i.setting)).toEqual([setting]);
      expect(error.issues[0]?.message).not.toBe('');
      expect(error.message).toContain(setting);
      expect(error.name).toBe('InvalidConfigError');
    });

    it('reports every invalid setting at once', () => {
      const error = configError({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' });
      expect(error.issues.map((i) => i.setting).sort()).toEqual(['DATABASE_URL', 'LOG_LEVEL', 'PORT']);
      for (const setting of ['PORT', 'LOG_LEVEL', 'DATABASE_URL']) {
        expect(error.message).toContain(setting);
      }
    });
  });

  describe('empty variables', () => {
    it('treats an empty string as unset, so the default applies', () => {
      const config = loadConfig({ PORT: '', NODE_ENV: '', DATA_DIR: '', LOG_LEVEL: '' });
      expect(config.port).toBe(3000);
      expect(config.nodeEnv).toBe('development');
      expect(config.dataDir).toBe('./data');
      expect(config.logLevel).toBe('info');
    });

    it('treats an empty DATABASE_URL as unset (embedded database)', () => {
      expect(loadConfig({ DATABASE_URL: '' }).usesEmbeddedDatabase).toBe(true);
    });
  });

  describe('CORS wildcard', () => {
    it('is refused in production', () => {
      const error = configError({ NODE_ENV: 'production', CORS_ORIGINS: '*', JWT_SECRET: PROD_SECRET });
      expect(error.issues).toEqual([
        { setting: 'CORS_ORIGINS', message: expect.stringContaining('wildcard') },
      ]);
      expect(error.message).toContain('CORS_ORIGINS');
    });

    it('is refused in production even among explicit origins', () => {
      const error = configError({
        NODE_ENV: 'production',
        CORS_ORIGINS: 'https://a.example.com, *',
        JWT_SECRET: PROD_SECRET,
      });
      expect(error.issues.map((i) => i.setting)).toEqual(['CORS_ORIGINS']);
    });

    it('is allowed in development', () => {
      expect(loadConfig({ NODE_ENV: 'development', CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    });

    it('explicit origins are allowed in production', () => {
      const config = loadConfig({
        NODE_ENV: 'production',
        CORS_ORIGINS: 'https://console.example.com',
        JWT_SECRET: PROD_SECRET,
      });
      expect(config.isProduction).toBe(true);
      expect(config.corsOrigins).toEqual(['https://console.example.com']);
    });
  });

  describe('shutdown drain', () => {
    it('keeps a drain shorter than half the timeout', () => {
      const config = loadConfig({ SHUTDOWN_TIMEOUT_MS: '10000', SHUTDOWN_DRAIN_MS: '2000' });
      expect(config.shutdownTimeoutMs).toBe(10_000);
      expect(config.shutdownDrainMs).toBe(2_000);
    });

    it('caps the drain at half the timeout', () => {
      const config = loadConfig({ SHUTDOWN_TIMEOUT_MS: '1000', SHUTDOWN_DRAIN_MS: '5000' });
      expect(config.shutdownDrainMs).toBe(500);
    });

    it('rounds half an odd timeout down', () => {
      expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '1001', SHUTDOWN_DRAIN_MS: '5000' }).shutdownDrainMs).toBe(
        500,
      );
    });

    it('caps the default drain when only the timeout is shortened', () => {
      expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '400' }).shutdownDrainMs).toBe(200);
    });
  });

  describe('comma-separated lists', () => {
    it('splits CORS_ORIGINS, trimming blanks and dropping empty entries', () => {
      const config = loadConfig({ CORS_ORIGINS: ' https://a.example.com ,, http://localhost:5173 ,' });
      expect(config.corsOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
    });

    it('refuses an origin with a path', () => {
      expect(configError({ CORS_ORIGINS: 'https://a.example.com/app' }).issues[0]?.setting).toBe(
        'CORS_ORIGINS',
      );
    });

    it('splits TRUST_PROXY the same way', () => {
      expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8,,' }).trustProxy).toEqual([
        'loopback',
        '10.0.0.0/8',
      ]);
    });
  });

  it('lists every setting it reads in CONFIG_KEYS', () => {
    expect(CONFIG_KEYS).toEqual(
      expect.arrayContaining(['PORT', 'NODE_ENV', 'DATABASE_URL', 'DATA_DIR', 'CORS_ORIGINS', 'TRUST_PROXY']),
    );
  });
});

describe('production rules are reported together with other invalid settings', () => {
  it('names both a bad PORT and a wildcard CORS origin in production', () => {
    const error = configError({
      NODE_ENV: 'production',
      CORS_ORIGINS: 'https://a.example.com, *',
      PORT: 'abc',
      JWT_SECRET: PROD_SECRET,
    });
    expect(error.issues.map((i) => i.setting).sort()).toEqual(['CORS_ORIGINS', 'PORT']);
  });
});

describe('fleet settings', () => {
  it('heartbeats every 10 s, times out after 3 intervals and keeps metrics 7 days by default', () => {
    const { fleet } = loadConfig({});
    expect(fleet.heartbeatIntervalMs).toBe(10_000);
    expect(fleet.heartbeatTimeoutMs).toBe(30_000);
    expect(fleet.metricsRetentionDays).toBe(7);
  });

  it('derives the timeout from a changed interval unless it is set', () => {
    expect(loadConfig({ HEARTBEAT_INTERVAL_MS: '200' }).fleet.heartbeatTimeoutMs).toBe(600);
    expect(
      loadConfig({ HEARTBEAT_INTERVAL_MS: '200', HEARTBEAT_TIMEOUT_MS: '1000' }).fleet.heartbeatTimeoutMs,
    ).toBe(1_000);
  });

  it.each([
    [{}, true],
    [{ DATABASE_URL: 'postgres://db/hotswap' }, false],
    [{ NODE_ENV: 'production', JWT_SECRET: PROD_SECRET }, false],
    [{ NODE_ENV: 'production', JWT_SECRET: PROD_SECRET, FLEET_SIMULATION: 'true' }, true],
    [{ FLEET_SIMULATION: 'false' }, false],
  ])('simulation with %j → %s', (env, enabled) => {
    expect(loadConfig(env).fleet.simulation.enabled).toBe(enabled);
  });

  it('seeds 3/5/10/20 simulated nodes unless counts are given', () => {
    expect(loadConfig({}).fleet.simulation.nodeCounts).toEqual([3, 5, 10, 20]);
    expect(loadConfig({ FLEET_SIMULATION_NODES: '10000,0' }).fleet.simulation.nodeCounts).toEqual([
      10_000, 0,
    ]);
  });

  it.each([
    ['FLEET_SIMULATION_NODES', '10001'],
    ['FLEET_SIMULATION_NODES', 'ten'],
    ['FLEET_SIMULATION_TIME_SCALE', '0'],
    ['HEARTBEAT_INTERVAL_MS', '1'],
  ])('refuses %s=%s', (setting, value) => {
    expect(configError({ [setting]: value }).issues.map((i) => i.setting)).toEqual([setting]);
  });
});

describe('identity settings', () => {
  it('has safe defaults: 15-minute access tokens, no demo users, 90-day audit retention', () => {
    const config = loadConfig({});
    expect(config.auth.accessTokenTtlSeconds).toBe(900);
    expect(config.auth.jwtSecret).toBeUndefined();
    expect(config.auth.demoUsers).toBe(false);
    expect(config.audit.retentionDays).toBe(90);
    expect(config.rateLimit).toEqual(
      expect.objectContaining({ enabled: true, windowSeconds: 60, login: 10, mutating: 120, reads: 1200 }),
    );
  });

  it('accepts a long random secret and names nothing', () => {
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: PROD_SECRET }).auth.jwtSecret).toBe(PROD_SECRET);
  });

  describe('production refuses to start', () => {
    it.each([
      ['without a JWT secret', {}, 'JWT_SECRET'],
      ['with a short secret', { JWT_SECRET: 'short-but-random-Xy7' }, 'JWT_SECRET'],
      ['with a well-known default secret', { JWT_SECRET: 'your-256-bit-secret' }, 'JWT_SECRET'],
      [
        'with a template placeholder as secret',
        { JWT_SECRET: 'CHANGE_ME_TO_32_RANDOM_BYTES_0123456789' },
        'JWT_SECRET',
      ],
      ['with a repetitive secret', { JWT_SECRET: 'a'.repeat(48) }, 'JWT_SECRET'],
      ['with demo users on', { JWT_SECRET: PROD_SECRET, HOTSWAP_DEMO_USERS: 'true' }, 'HOTSWAP_DEMO_USERS'],
    ])('%s', (_case, env: Record<string, string>, setting) => {
      const error = configError({ NODE_ENV: 'production', ...env });
      expect(error.issues.map((i) => i.setting)).toContain(setting);
      expect(error.message).toContain(setting);
    });
  });

  it('refuses a short secret in development too', () => {
    expect(configError({ JWT_SECRET: 'too-short' }).issues.map((i) => i.setting)).toEqual(['JWT_SECRET']);
  });

  it('allows demo users outside production', () => {
    expect(loadConfig({ HOTSWAP_DEMO_USERS: 'true' }).auth.demoUsers).toBe(true);
  });

  it('refuses an admin password shorter than 12 characters', () => {
    expect(configError({ HOTSWAP_ADMIN_PASSWORD: 'short' }).issues.map((i) => i.setting)).toEqual([
      'HOTSWAP_ADMIN_PASSWORD',
    ]);
  });

  it('reads PEM keys with escaped newlines', () => {
    const config = loadConfig({
      JWT_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----',
    });
    expect(config.auth.jwtPrivateKey).toBe('-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----');
  });
});

describe('coordination settings', () => {
  it('defaults to 5 s renewals of 15 s leases, 5 retries from 2 s doubling to 32 s, 24 h idempotency keys', () => {
    const { coordination } = loadConfig({});
    expect(coordination.leaderRenewIntervalMs).toBe(5_000);
    expect(coordination.leaderLeaseTtlMs).toBe(15_000);
    expect(coordination.queue).toEqual(
      expect.objectContaining({ retryLimit: 5, retryDelaySeconds: 2, retryDelayMaxSeconds: 32 }),
    );
    expect(coordination.idempotency.ttlMs).toBe(24 * 3_600_000);
  });

  it('reads every coordination setting', () => {
    const { coordination } = loadConfig({
      LOCK_POOL_SIZE: '7',
      LEADER_RENEW_INTERVAL_MS: '1000',
      LEADER_LEASE_TTL_MS: '3000',
      QUEUE_POOL_SIZE: '9',
      QUEUE_RETRY_LIMIT: '2',
      QUEUE_RETRY_DELAY_SECONDS: '1',
      QUEUE_RETRY_DELAY_MAX_SECONDS: '8',
      QUEUE_JOB_TIMEOUT_SECONDS: '60',
      QUEUE_POLLING_INTERVAL_MS: '700',
      QUEUE_SUPERVISE_INTERVAL_SECONDS: '2',
      IDEMPOTENCY_TTL_HOURS: '48',
      IDEMPOTENCY_IN_FLIGHT_TIMEOUT_MS: '5000',
      IDEMPOTENCY_PRUNE_INTERVAL_MS: '60000',
    });
    expect(coordination).toEqual({
      lockPoolSize: 7,
      leaderRenewIntervalMs: 1_000,
      leaderLeaseTtlMs: 3_000,
      queue: {
        poolSize: 9,
        retryLimit: 2,
        retryDelaySeconds: 1,
        retryDelayMaxSeconds: 8,
        jobTimeoutSeconds: 60,
        pollingIntervalMs: 700,
        superviseIntervalSeconds: 2,
      },
      idempotency: { ttlMs: 48 * 3_600_000, inFlightTimeoutMs: 5_000, pruneIntervalMs: 60_000 },
    });
  });

  it('refuses a lease shorter than two renewal intervals', () => {
    const error = configError({ LEADER_RENEW_INTERVAL_MS: '5000', LEADER_LEASE_TTL_MS: '9000' });
    expect(error.issues.map((i) => i.setting)).toEqual(['LEADER_LEASE_TTL_MS']);
  });

  it('refuses a maximum retry delay below the base delay', () => {
    const error = configError({ QUEUE_RETRY_DELAY_SECONDS: '10', QUEUE_RETRY_DELAY_MAX_SECONDS: '5' });
    expect(error.issues.map((i) => i.setting)).toEqual(['QUEUE_RETRY_DELAY_MAX_SECONDS']);
  });

  it('refuses a polling interval below pg-boss’s 500 ms floor', () => {
    expect(configError({ QUEUE_POLLING_INTERVAL_MS: '100' }).issues.map((i) => i.setting)).toEqual([
      'QUEUE_POLLING_INTERVAL_MS',
    ]);
  });
});

describe('approval settings', () => {
  it('sweeps every 10 s and refuses private webhook targets by default', () => {
    const { approvals } = loadConfig({});
    expect(approvals.sweepIntervalMs).toBe(10_000);
    expect(approvals.webhooks.allowPrivateTargets).toBe(false);
    expect(approvals.webhooks.retryLimit).toBeGreaterThan(0);
  });

  it('reads the allowance and the retry policy, and names a bad value', () => {
    const { approvals } = loadConfig({
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      WEBHOOK_RETRY_DELAY_SECONDS: '1',
      APPROVAL_SWEEP_INTERVAL_MS: '500',
    });
    expect(approvals.webhooks.allowPrivateTargets).toBe(true);
    expect(approvals.webhooks.retryDelaySeconds).toBe(1);
    expect(approvals.sweepIntervalMs).toBe(500);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'maybe' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE_TARGETS/,
    );
  });
});

describe('event settings', () => {
  it('keeps events 7 days, heartbeats streams every 15 s and bounds a client at 1 MiB by default', () => {
    const { events } = loadConfig({});
    expect(events.retentionDays).toBe(7);
    expect(events.heartbeatMs).toBe(15_000);
    expect(events.clientBufferBytes).toBe(1024 * 1024);
  });

  it('refuses a retention of zero days', () => {
    expect(() => loadConfig({ EVENTS_RETENTION_DAYS: '0' })).toThrow(/EVENTS_RETENTION_DAYS/);
  });
});
