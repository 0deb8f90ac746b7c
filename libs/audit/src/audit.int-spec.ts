import { CoordinationModule } from '@hotswap/coordination';
import { Test, type TestingModule } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@hotswap/config';
import { ManualClock } from '@hotswap/contracts';
import { Database, DatabaseModule } from '@hotswap/database';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { Client } from 'pg';
import { SCHEMA } from '../../../apps/api/src/schema';
import { AuditModule } from './audit.module';
import { AuditService, SYSTEM_ACTOR, type AuditEntry } from './audit.service';

const entry = (action: string, details: Record<string, unknown> = {}): AuditEntry => ({
  category: 'test',
  action,
  result: 'success',
  actor: SYSTEM_ACTOR,
  details,
});

describe('AuditService (real PostgreSQL)', () => {
  let database: TestDatabase;
  let moduleRef: TestingModule;
  let audit: AuditService;
  let db: Database;
  const clock = new ManualClock(Date.UTC(2030, 0, 1));

  beforeAll(async () => {
    database = await createTestDatabase(SCHEMA);
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(
          loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url, DATABASE_POOL_SIZE: '12' }),
          clock,
        ),
        DatabaseModule.forRoot(SCHEMA),
        CoordinationModule.forRoot(),
        AuditModule,
      ],
    }).compile();
    await moduleRef.init();
    audit = moduleRef.get(AuditService);
    db = moduleRef.get(Database);
  });

  afterAll(async () => {
    await moduleRef.close();
    await database.drop();
  });

  it('keeps the chain intact under concurrent writers', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => audit.record(entry('concurrent', { i }))));
    const result = await audit.verify();
    expect(result).toEqual({ intact: true, checked: 40 });
  });

  it("joins the caller's transaction: a rolled-back change leaves no record", async () => {
    await expect(
      db.transaction(async () => {
        await audit.record(entry('rolled-back'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await audit.find({ action: 'rolled-back' }, 10)).items).toEqual([]);
    await db.transaction(() => audit.record(entry('committed')));
    expect((await audit.find({ action: 'committed' }, 10)).items).toHaveLength(1);
  });

  it('never stores secret-looking details', async () => {
    await audit.record(entry('secretive', { password: 'hunter2-hunter2', token: 'abc', name: 'ok' }));
    const [record] = (await audit.find({ action: 'secretive' }, 1)).items;
    expect(record?.details).toEqual({ password: '[REDACTED]', token: '[REDACTED]', name: 'ok' });
  });

  it('applies retention once across replicas: a second runner holding the lock skips', async () => {
    clock.advance(91 * 86_400_000);
    await audit.record(entry('recent'));
    const other = new Client({ connectionString: database.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query("SELECT pg_advisory_xact_lock('7261947301946622102')");
      expect(await audit.applyRetention(90)).toBeNull();
      await other.query('ROLLBACK');
    } finally {
      await other.end();
    }
    const deleted = await audit.applyRetention(90);
    expect(deleted).toBe(42);
    const remaining = await audit.find({}, 200);
    expect(remaining.items.map((r) => r.action).sort()).toEqual(['audit.retention', 'recent']);
    expect(await audit.verify()).toEqual({ intact: true, checked: 2 });
  });
});
