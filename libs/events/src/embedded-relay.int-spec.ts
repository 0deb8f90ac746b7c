import { createDataSource, Database, EmbeddedPostgres } from '@hotswap/database';
import type { DataSource } from 'typeorm';
import { SCHEMA } from '../../../apps/api/src/schema';
import { EventRelay, InProcessWakeSource, InProcessWakeups, type RecordedEvent } from '@hotswap/event-core';
import { EventLog } from './event-log';

describe('event relay on the embedded database (PGlite)', () => {
  let embedded: EmbeddedPostgres;
  let dataSource: DataSource;

  beforeAll(async () => {
    embedded = await EmbeddedPostgres.start({ dataDir: undefined, maxConnections: 10 });
    dataSource = createDataSource({ url: embedded.url, poolSize: 3, schema: SCHEMA });
    await dataSource.initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterAll(async () => {
    await dataSource.destroy();
    await embedded.stop();
  });

  it('wakes in-process: a committed event reaches the relay without NOTIFY or a poll; a rolled-back one never', async () => {
    const database = new Database(dataSource);
    const wakeups = new InProcessWakeups();
    const log = new EventLog(database, wakeups, 'snapshot');
    // A poll far beyond the test: only the in-process wake-up can deliver.
    const relay = new EventRelay(log, new InProcessWakeSource(wakeups), { pollIntervalMs: 600_000 });
    const delivered: RecordedEvent[] = [];
    relay.subscribe((batch) => delivered.push(...batch));
    await relay.start();
    try {
      await expect(
        database.transaction(async () => {
          await log.append(
            'node.status_changed',
            { environment: 'qa' },
            {
              name: 'gone',
              from: 'Running',
              status: 'Unknown',
              reason: 'rolled back',
            },
          );
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      const seqs: string[] = [];
      for (let i = 0; i < 3; i++) {
        seqs.push(
          await database.transaction(() =>
            log.append(
              'node.status_changed',
              { environment: 'qa' },
              {
                name: `n${i}`,
                from: 'Running',
                status: 'Unknown',
                reason: 'test',
              },
            ),
          ),
        );
      }
      const deadline = Date.now() + 10_000;
      while (delivered.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(delivered.map((e) => e.seq)).toEqual(seqs);
      expect(delivered.map((e) => (e.payload as { name: string }).name)).toEqual(['n0', 'n1', 'n2']);
      for (let i = 1; i < seqs.length; i++) expect(BigInt(seqs[i]!) > BigInt(seqs[i - 1]!)).toBe(true);
    } finally {
      await relay.stop();
    }
  });
});
