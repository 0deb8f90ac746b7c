import { Logger } from '@nestjs/common';
import type { DatabaseSettings } from '@hotswap/config';
import type { DataSource } from 'typeorm';
import { createDataSource, type SchemaDefinition } from './data-source';
import { EmbeddedPostgres } from './embedded-postgres';

/** Connections kept free on the embedded server for other clients (job queue, listeners, tools). */
export const EMBEDDED_RESERVED_CONNECTIONS = 6;

/** Serializes migration runs of replicas starting together (any fixed 64-bit key). */
const MIGRATION_LOCK_KEY = '7261947301946622001';

export interface MigrationReport {
  readonly applied: readonly string[];
}

/**
 * Owns the PostgreSQL connection of one process: the embedded server when no DATABASE_URL is set,
 * the data source, migrations at start-up, and an orderly close (pool first, then the server).
 */
export class DatabaseRuntime {
  private static readonly logger = new Logger('Database');
  private migrationsVerified = false;

  private constructor(
    readonly dataSource: DataSource,
    readonly embedded: EmbeddedPostgres | undefined,
  ) {}

  static async open(settings: DatabaseSettings, schema: SchemaDefinition): Promise<DatabaseRuntime> {
    let embedded: EmbeddedPostgres | undefined;
    let url = settings.url;
    let poolSize = settings.poolSize;
    if (url === undefined) {
      const started = Date.now();
      embedded = await EmbeddedPostgres.start({
        dataDir: settings.embeddedDataDir,
        maxConnections: settings.embeddedMaxConnections,
      });
      url = embedded.url;
      poolSize = Math.max(
        1,
        Math.min(poolSize, settings.embeddedMaxConnections - EMBEDDED_RESERVED_CONNECTIONS),
      );
      this.logger.log({
        msg: 'embedded PostgreSQL started',
        dataDir: settings.embeddedDataDir ?? ':memory:',
        durationMs: Date.now() - started,
      });
    }
    const dataSource = createDataSource({ url, poolSize, schema });
    try {
      await dataSource.initialize();
    } catch (error) {
      await embedded?.stop();
      throw error;
    }
    const runtime = new DatabaseRuntime(dataSource, embedded);
    try {
      if (settings.runMigrations) {
        const report = await runtime.migrate();
        this.logger.log({ msg: 'migrations applied', count: report.applied.length, applied: report.applied });
      }
      const installationId = await runtime.installationId();
      this.logger.log({ msg: 'database ready', embedded: embedded !== undefined, installationId });
    } catch (error) {
      await runtime.close();
      throw error;
    }
    return runtime;
  }

  /** Applies pending migrations, one replica at a time, each in its own transaction. */
  async migrate(): Promise<MigrationReport> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const migrations = await this.dataSource.runMigrations({ transaction: 'each' });
      this.migrationsVerified = true;
      return { applied: migrations.map((m) => m.name) };
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      await runner.release();
    }
  }

  /** The id the first migration gave this database; null before migrations ran. */
  async installationId(): Promise<string | null> {
    const rows: unknown = await this.dataSource
      .query('SELECT id FROM installation ORDER BY created_at LIMIT 1')
      .catch(() => []);
    if (Array.isArray(rows) && rows.length > 0) {
      const first: unknown = rows[0];
      if (typeof first === 'object' && first !== null && 'id' in first) return String(first.id);
    }
    return null;
  }

  /** Whether the database answers a query. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /** Whether every migration this build knows has been applied (cached once true). */
  async migrationsApplied(): Promise<boolean> {
    if (this.migrationsVerified) return true;
    const pending = await this.dataSource.showMigrations();
    this.migrationsVerified = !pending;
    return this.migrationsVerified;
  }

  async close(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
    await this.embedded?.stop();
  }
}
