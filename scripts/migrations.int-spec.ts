import { Column, Entity, PrimaryColumn } from 'typeorm';
import { postgresServer, TEST_DATABASE_URL } from '@hotswap/testing';
import { SCHEMA } from '../apps/api/src/schema';
import { driftOnEmbedded, driftOnServer } from './migrations';

/** An entity no migration creates: what a developer adds before generating its migration. */
@Entity({ name: 'drift_probe' })
class DriftProbeEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'text' })
  displayName: string;
}

const drifted = { entities: [...SCHEMA.entities, DriftProbeEntity], migrations: SCHEMA.migrations };

describe('migration:check', () => {
  it('finds no drift between the entities and the committed migrations (embedded PostgreSQL)', async () => {
    expect((await driftOnEmbedded(SCHEMA)).up).toEqual([]);
  });

  it('reports an entity that no migration creates, with the statements that are missing', async () => {
    const drift = await driftOnEmbedded(drifted);
    expect(drift.up.join('\n')).toMatch(/CREATE TABLE "drift_probe".*"display_name" text NOT NULL/);
    expect(drift.down.join('\n')).toContain('DROP TABLE "drift_probe"');
  });

  const server = postgresServer();
  if (!server.available) console.warn(`skipping the PostgreSQL-server drift checks: ${server.reason}`);
  (server.available ? it : it.skip)(
    'agrees on the PostgreSQL server: no drift, and the same drift detected',
    async () => {
      expect((await driftOnServer(TEST_DATABASE_URL, SCHEMA)).up).toEqual([]);
      expect((await driftOnServer(TEST_DATABASE_URL, drifted)).up.join('\n')).toContain(
        'CREATE TABLE "drift_probe"',
      );
    },
  );
});
