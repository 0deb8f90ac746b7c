import { GatewayConfigError, loadGatewayConfig } from './gateway-config';

const base = { DATABASE_URL: 'postgres://u@127.0.0.1:5432/db', JWT_SECRET: 's'.repeat(48) };

describe('loadGatewayConfig', () => {
  it("uses the API's names and defaults, with the gateway's own port and pool", () => {
    const config = loadGatewayConfig(base);
    expect(config).toMatchObject({
      host: '0.0.0.0',
      port: 3001,
      databasePoolSize: 4,
      logLevel: 'info',
      jwt: { issuer: 'hotswap', audience: 'hotswap-api' },
      authStateCacheMs: 1_000,
      corsOrigins: [],
      trustProxy: [],
      rateLimit: { enabled: true, windowSeconds: 60, streams: 30 },
      events: {
        pollIntervalMs: 500,
        heartbeatMs: 15_000,
        clientBufferBytes: 1_048_576,
        maxStreamsPerUser: 20,
        wsAuthTimeoutMs: 5_000,
      },
    });
    expect(loadGatewayConfig({ ...base, PORT: '0', LOG_LEVEL: 'debug' })).toMatchObject({
      port: 0,
      logLevel: 'info',
    });
    expect(
      loadGatewayConfig({
        ...base,
        JWT_PREVIOUS_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----',
      }).jwt.previousPublicKeyPem,
    ).toContain('\nAAAA\n');
  });

  it('reads TRUST_PROXY as the API does and refuses an entry that is no address, range or name', () => {
    expect(loadGatewayConfig({ ...base, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(() => loadGatewayConfig({ ...base, TRUST_PROXY: 'not-an-address' })).toThrow(/TRUST_PROXY/);
  });

  it('refuses to start without the database or the secret, or with values out of range, naming them all', () => {
    expect(() => loadGatewayConfig({})).toThrow(/DATABASE_URL.*JWT_SECRET/);
    expect(() =>
      loadGatewayConfig({ ...base, EVENTS_HEARTBEAT_MS: '5', PORT: 'x', LOG_LEVEL: 'loud' }),
    ).toThrow(GatewayConfigError);
    expect(() => loadGatewayConfig({ ...base, EVENTS_HEARTBEAT_MS: '5', JWT_PRIVATE_KEY: 'nope' })).toThrow(
      /JWT_PRIVATE_KEY.*EVENTS_HEARTBEAT_MS/,
    );
  });

  it("reads CORS_ORIGINS and the streams rate limit with the API's rules", () => {
    const config = loadGatewayConfig({
      ...base,
      CORS_ORIGINS: ' https://console.example.com ,, http://localhost:5173 ,',
      RATE_LIMIT_STREAMS: '5',
      RATE_LIMIT_WINDOW_SECONDS: '10',
      RATE_LIMIT_ENABLED: 'no',
    });
    expect(config.corsOrigins).toEqual(['https://console.example.com', 'http://localhost:5173']);
    expect(config.rateLimit).toEqual({ enabled: false, windowSeconds: 10, streams: 5 });
    expect(loadGatewayConfig({ ...base, NODE_ENV: 'development', CORS_ORIGINS: '*' }).corsOrigins).toEqual([
      '*',
    ]);
    expect(() =>
      loadGatewayConfig({ ...base, NODE_ENV: 'production', CORS_ORIGINS: 'https://a.example.com, *' }),
    ).toThrow(/CORS_ORIGINS: a wildcard origin is not allowed in production/);
    expect(() => loadGatewayConfig({ ...base, CORS_ORIGINS: 'https://a.example.com/app' })).toThrow(
      /CORS_ORIGINS/,
    );
    expect(() =>
      loadGatewayConfig({ ...base, RATE_LIMIT_STREAMS: '0', RATE_LIMIT_ENABLED: 'maybe' }),
    ).toThrow(/RATE_LIMIT_ENABLED.*RATE_LIMIT_STREAMS/);
  });
});
