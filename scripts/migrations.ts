/**
 * `npm run migration:generate -- <Name>` — writes a migration for the difference between the entities
 *   and the schema the existing migrations build (computed on a throw-away embedded database).
 * `npm run migration:check [-- --url <admin postgres url>]` — fails when entities and migrations
 *   drift; with `--url` the check also runs on a scratch database of that PostgreSQL server.
 * `npm run migration:run` / `migration:revert` — apply / undo on the configured database.
 */
import 'reflect-metadata';
import { writeFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, MEMORY_DATA_DIR } from '@hotswap/config';
import {
  createDataSource,
  DatabaseRuntime,
  EmbeddedPostgres,
  findSchemaDrift,
  type SchemaDefinition,
  type SchemaDrift,
} from '@hotswap/database';
import { Client } from 'pg';
import { SCHEMA } from '../apps/api/src/schema';

const MIGRATIONS_DIR = path.join(__dirname, '..', '..', 'apps', 'api', 'src', 'migrations');

/** Applies every migration to a fresh database at `url` and returns the remaining drift. */
export async function driftOn(url: string, schema: SchemaDefinition): Promise<SchemaDrift> {
  const dataSource = createDataSource({ url, poolSize: 2, schema });
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    return await findSchemaDrift(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

export async function driftOnEmbedded(schema: SchemaDefinition): Promise<SchemaDrift> {
  const embedded = await EmbeddedPostgres.start({ dataDir: undefined, maxConnections: 4 });
  try {
    return await driftOn(embedded.url, schema);
  } finally {
    await embedded.stop();
  }
}

export async function driftOnServer(adminUrl: string, schema: SchemaDefinition): Promise<SchemaDrift> {
  const name = `hotswap_migration_check_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return await driftOn(url.toString(), schema);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

function describeDrift(drift: SchemaDrift): string {
  return drift.up.map((q) => `  ${q};`).join('\n');
}

function migrationSource(className: string, drift: SchemaDrift): string {
  const statements = (list: readonly string[]) =>
    list.map((q) => `    await queryRunner.query(${JSON.stringify(q)});`).join('\n');
  return `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${statements(drift.up)}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${statements(drift.down)}
  }
}
`;
}

async function generate(name: string | undefined): Promise<void> {
  if (name === undefined || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
    throw new Error('usage: npm run migration:generate -- <PascalCaseName>');
  }
  const drift = await driftOnEmbedded(SCHEMA);
  if (drift.up.length === 0) {
    console.log('No changes: the migrations already match the entities.');
    return;
  }
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const fileBase = `${timestamp}-${name}`;
  await writeFile(path.join(MIGRATIONS_DIR, `${fileBase}.ts`), migrationSource(className, drift));
  const indexPath = path.join(MIGRATIONS_DIR, 'index.ts');
  const index = await readFile(indexPath, 'utf8');
  const lines = index.split('\n');
  const lastImport = lines.reduce((last, line, i) => (line.startsWith('import ') ? i : last), -1);
  lines.splice(lastImport + 1, 0, `import { ${className} } from './${fileBase}';`);
  const withImport = lines.join('\n');
  const updated = withImport.replace(
    /(MIGRATIONS: MigrationClass\[\] = \[)([^\]]*)(\];)/,
    (_m, open: string, body: string, close: string) => {
      const entries = body
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      return `${open}${[...entries, className].join(', ')}${close}`;
    },
  );
  await writeFile(indexPath, updated);
  console.log(`Wrote apps/api/src/migrations/${fileBase}.ts:\n${describeDrift(drift)}`);
}

async function check(adminUrl: string | undefined): Promise<boolean> {
  const targets: [string, () => Promise<SchemaDrift>][] = [
    ['embedded PostgreSQL', () => driftOnEmbedded(SCHEMA)],
  ];
  if (adminUrl !== undefined)
    targets.push([`PostgreSQL at ${new URL(adminUrl).host}`, () => driftOnServer(adminUrl, SCHEMA)]);
  let ok = true;
  for (const [where, run] of targets) {
    const drift = await run();
    if (drift.up.length > 0) {
      ok = false;
      console.error(
        `migration:check: entities and migrations drift on ${where}. Run \`npm run migration:generate -- <Name>\`. Missing:\n${describeDrift(drift)}`,
      );
    } else {
      console.log(`migration:check: migrations match the entities on ${where}.`);
    }
  }
  return ok;
}

async function onConfiguredDatabase(action: (runtime: DatabaseRuntime) => Promise<void>): Promise<void> {
  const config = loadConfig();
  if (config.usesEmbeddedDatabase && config.dataDir === MEMORY_DATA_DIR) {
    throw new Error('DATA_DIR=:memory: has nothing to migrate; set DATABASE_URL or a DATA_DIR');
  }
  const runtime = await DatabaseRuntime.open({ ...config.database, runMigrations: false }, SCHEMA);
  try {
    await action(runtime);
  } finally {
    await runtime.close();
  }
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case 'generate':
      await generate(args[0]);
      return 0;
    case 'check': {
      const urlFlag = args.indexOf('--url');
      const url = urlFlag >= 0 ? args[urlFlag + 1] : undefined;
      return (await check(url)) ? 0 : 1;
    }
    case 'run':
      await onConfiguredDatabase(async (runtime) => {
        const report = await runtime.migrate();
        console.log(
          `Applied ${report.applied.length} migration(s)${report.applied.length ? `: ${report.applied.join(', ')}` : ''}.`,
        );
      });
      return 0;
    case 'revert':
      await onConfiguredDatabase(async (runtime) => {
        await runtime.dataSource.undoLastMigration({ transaction: 'each' });
        console.log('Reverted the last migration.');
      });
      return 0;
    case undefined:
    default:
      console.error('usage: migrations.js generate <Name> | check [--url <postgres url>] | run | revert');
      return 2;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
