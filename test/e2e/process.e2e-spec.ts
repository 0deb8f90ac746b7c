import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  createTestDatabase,
  postgresServer,
  TEST_DATABASE_URL,
  withDatabase,
  type TestDatabase,
} from '@hotswap/testing';
import { SCHEMA } from '../../apps/api/src/schema';
import { API_ENTRY, ApiProcess, PROBE_ENTRY } from './support/processes';

const processes: ApiProcess[] = [];
function start(entry: string, env: Record<string, string>): ApiProcess {
  const proc = ApiProcess.start(entry, env);
  processes.push(proc);
  return proc;
}

afterEach(async () => {
  await Promise.all(processes.splice(0).map((p) => p.dispose()));
});

function installationId(proc: ApiProcess): unknown {
  return proc.records('database ready')[0]?.installationId;
}

describe('the API as a process', () => {
  describe('embedded PostgreSQL (no DATABASE_URL)', () => {
    let dataDir: string;

    beforeAll(async () => {
      dataDir = await mkdtemp(path.join(tmpdir(), 'hotswap-embedded-'));
    });

    afterAll(async () => {
      await rm(dataDir, { recursive: true, force: true });
    });

    it('becomes ready on a fresh data directory, and reopens the same one after a stop and after kill -9', async () => {
      const env = { DATA_DIR: dataDir, SHUTDOWN_DRAIN_MS: '0' };
      const first = start(API_ENTRY, env);
      const elapsed = await first.waitUntilReady(60_000);
      expect(elapsed).toBeLessThan(60_000);
      const id = installationId(first);
      expect(id).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));
      expect(first.records('migrations applied')[0]?.count).toBeGreaterThan(0);
      // Without JWT_SECRET (development) the signing secret is generated once and kept, owner-only.
      expect((await stat(path.join(dataDir, 'jwt-secret'))).mode & 0o777).toBe(0o600);
      first.child.kill('SIGTERM');
      expect((await first.exit(15_000)).code).toBe(0);

      const second = start(API_ENTRY, env);
      await second.waitUntilReady(60_000);
      expect(installationId(second)).toBe(id);
      expect(second.records('migrations applied')[0]?.count).toBe(0);
      second.child.kill('SIGKILL');
      await second.exit(15_000);

      const third = start(API_ENTRY, env);
      await third.waitUntilReady(60_000);
      expect(installationId(third)).toBe(id);
      third.child.kill('SIGTERM');
      expect((await third.exit(15_000)).code).toBe(0);
    });
  });

  const server = postgresServer();
  if (!server.available) console.warn(`skipping the PostgreSQL-server process test: ${server.reason}`);
  (server.available ? describe : describe.skip)('PostgreSQL server (DATABASE_URL)', () => {
    const name = `hotswap_t_${process.pid}_process_fresh`;
    let admin: Client;

    beforeAll(async () => {
      admin = new Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.query(`CREATE DATABASE "${name}"`);
    });

    afterAll(async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    });

    it('applies the migrations to an empty database and becomes ready', async () => {
      const url = withDatabase(TEST_DATABASE_URL, name);
      const proc = start(API_ENTRY, { DATABASE_URL: url, SHUTDOWN_DRAIN_MS: '0' });
      await proc.waitUntilReady(30_000);
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const applied = await client.query<{ name: string }>(
          'SELECT name FROM schema_migrations ORDER BY id',
        );
        expect(applied.rows.map((r) => r.name)).toEqual(SCHEMA.migrations.map((m) => m.name));
      } finally {
        await client.end();
      }
      proc.child.kill('SIGTERM');
      expect((await proc.exit(15_000)).code).toBe(0);
    });
  });

  describe('graceful shutdown', () => {
    let database: TestDatabase;

    beforeAll(async () => {
      database = await createTestDatabase(SCHEMA);
    });

    afterAll(async () => {
      await database.drop();
    });

    it('on SIGTERM turns readiness 503 at once, finishes in-flight requests and exits 0 in time', async () => {
      const timeoutMs = 8_000;
      const proc = start(PROBE_ENTRY, {
        DATABASE_URL: database.url,
        SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
        SHUTDOWN_DRAIN_MS: '1500',
      });
      await proc.waitUntilReady(30_000);
      const inFlight = fetch(`${proc.url}/api/v1/probe/slow?ms=2500`);
      await new Promise((r) => setTimeout(r, 300));
      const signalledAt = Date.now();
      proc.child.kill('SIGTERM');
      // The signal is handled on the process's next turn of its event loop; poll briefly for it.
      let readiness = 0;
      while (Date.now() - signalledAt < 1_000) {
        readiness = (await fetch(`${proc.url}/health/ready`)).status;
        if (readiness === 503) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(readiness).toBe(503);
      // Still answering during the drain period: load balancers see 503, not a refused connection.
      expect(Date.now() - signalledAt).toBeLessThan(1_500);
      const slow = await inFlight;
      expect(slow.status).toBe(200);
      expect(await slow.json()).toEqual({ sleptMs: 2500 });
      const { code } = await proc.exit(timeoutMs + 2_000);
      expect(code).toBe(0);
      expect(Date.now() - signalledAt).toBeLessThan(timeoutMs);
    });
  });

  describe('invalid configuration', () => {
    it.each([
      [{ PORT: 'abc' }, 'PORT'],
      [{ LOG_LEVEL: 'chatty' }, 'LOG_LEVEL'],
      [{ DATABASE_URL: 'mysql://root@localhost/db' }, 'DATABASE_URL'],
      [{ NODE_ENV: 'production', CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
      [{ NODE_ENV: 'production' }, 'JWT_SECRET'],
      [{ NODE_ENV: 'production', JWT_SECRET: 'short-secret' }, 'JWT_SECRET'],
      [{ NODE_ENV: 'production', JWT_SECRET: 'your-256-bit-secret' }, 'JWT_SECRET'],
      [{ NODE_ENV: 'production', JWT_SECRET: 'CHANGE_ME_TO_32_RANDOM_BYTES_0123456789' }, 'JWT_SECRET'],
      [
        {
          NODE_ENV: 'production',
          JWT_SECRET: 'q7Vd0xZ3mK9pL2sT8wR4nB6yH1cF5gJ0aE3uI7oP',
          HOTSWAP_DEMO_USERS: 'true',
        },
        'HOTSWAP_DEMO_USERS',
      ],
    ])('%j stops the process with a message naming %s', async (env, setting) => {
      const proc = start(API_ENTRY, env);
      const { code } = await proc.exit(15_000);
      expect(code).not.toBe(0);
      expect(proc.stderr.join('')).toContain(setting);
      expect(proc.port).toBe(0);
    });
  });
});
