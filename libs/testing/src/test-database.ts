import { createHash, randomBytes } from 'node:crypto';
import { createDataSource, EmbeddedPostgres, type SchemaDefinition } from '@hotswap/database';
import { Client } from 'pg';

/** The PostgreSQL server the integration and e2e tiers use (an admin connection to it). */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Set by the global setup for the test workers: which kind of database the suites get. */
const MODE_VARIABLE = 'HOTSWAP_TEST_DB_MODE';
const TEMPLATE_VARIABLE = 'HOTSWAP_TEST_DB_TEMPLATE';
const REASON_VARIABLE = 'HOTSWAP_TEST_DB_REASON';
const TEST_DB_PREFIX = 'hotswap_t_';

export interface TestDatabase {
  /** Connection URL of a database of this test file's own, fully migrated. */
  readonly url: string;
  /** `server` for a database on the PostgreSQL server, `embedded` for an in-memory PGlite. */
  readonly kind: 'server' | 'embedded';
  drop(): Promise<void>;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function connect(url: string, timeoutMs = 3_000): Promise<Client> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  await client.connect();
  return client;
}

/** A name derived from the migrations, so a changed schema gets a new template. */
export function templateName(schema: SchemaDefinition): string {
  const names = schema.migrations.map((m) => m.name).join(',');
  return `hotswap_tpl_${createHash('sha256').update(names).digest('hex').slice(0, 16)}`;
}

async function migrate(url: string, schema: SchemaDefinition): Promise<void> {
  const dataSource = createDataSource({ url, poolSize: 2, schema });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await dataSource.destroy();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Run once per `jest` run: checks the server, builds the migrated template database if this schema
 * has none yet, and drops test databases left behind by runs that died. Without a reachable server
 * the suites fall back to embedded PostgreSQL — except under CI=true, where that is an error.
 */
export async function prepareTestDatabases(schema: SchemaDefinition): Promise<void> {
  let admin: Client;
  try {
    admin = await connect(TEST_DATABASE_URL);
  } catch (error) {
    const reason = `PostgreSQL at ${new URL(TEST_DATABASE_URL).host} is unreachable (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI === 'true') {
      throw new Error(`CI=true and ${reason}: the integration and e2e tiers need it.`, { cause: error });
    }
    process.env[MODE_VARIABLE] = 'embedded';
    process.env[REASON_VARIABLE] = reason;
    console.warn(
      `\n[test databases] ${reason}; suites run on embedded PostgreSQL, and those that need a server are skipped.\n`,
    );
    return;
  }
  try {
    const template = templateName(schema);
    await admin.query('SELECT pg_advisory_lock(7261947301946622002)');
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (exists.rowCount === 0) {
      const building = `${template}_build_${process.pid}`;
      await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
      await admin.query(`CREATE DATABASE "${building}"`);
      await migrate(withDatabase(TEST_DATABASE_URL, building), schema);
      await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
    }
    const stale = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE '${TEST_DB_PREFIX}%' OR datname LIKE 'hotswap_migration_check_%'`,
    );
    for (const { datname } of stale.rows) {
      const pid = Number(/^(?:hotswap_t_|hotswap_migration_check_)(\d+)_/.exec(datname)?.[1]);
      if (Number.isFinite(pid) && !pidAlive(pid)) {
        await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    }
    await admin.query('SELECT pg_advisory_unlock(7261947301946622002)');
    process.env[MODE_VARIABLE] = 'server';
    process.env[TEMPLATE_VARIABLE] = template;
  } finally {
    await admin.end();
  }
}

/** Whether the suites have a real PostgreSQL server, and if not, why. */
export function postgresServer(): { available: boolean; reason: string } {
  const available = process.env[MODE_VARIABLE] === 'server';
  return {
    available,
    reason: available ? '' : (process.env[REASON_VARIABLE] ?? 'the test database global setup did not run'),
  };
}

let counter = 0;

/** A migrated database for one test file: a clone of the template, or an in-memory embedded one. */
export async function createTestDatabase(schema: SchemaDefinition): Promise<TestDatabase> {
  const template = process.env[TEMPLATE_VARIABLE];
  if (process.env[MODE_VARIABLE] === 'server' && template !== undefined) {
    const name = `${TEST_DB_PREFIX}${process.pid}_${++counter}_${randomBytes(4).toString('hex')}`;
    const admin = await connect(TEST_DATABASE_URL);
    try {
      await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } finally {
      await admin.end();
    }
    return {
      url: withDatabase(TEST_DATABASE_URL, name),
      kind: 'server',
      drop: async () => {
        const client = await connect(TEST_DATABASE_URL);
        try {
          await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await client.end();
        }
      },
    };
  }
  const embedded = await EmbeddedPostgres.start({ dataDir: undefined, maxConnections: 20 });
  await migrate(embedded.url, schema);
  return { url: embedded.url, kind: 'embedded', drop: () => embedded.stop() };
}
