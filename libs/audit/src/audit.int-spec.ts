import { CoordinationModule } from '@hotswap/coordination';
import { Test, type TestingModule } from '@nestjs/testing';
import { ConfigModule, loadConfig } from '@hotswap/config';
import { ManualClock } from '@hotswap/contracts';
import { Database, DatabaseModule } from '@hotswap/database';
import { createTestDatabase, type TestDatabase } from '@hotswap/testing';
import { Client } from 'pg';
import { SCHEMA } from '../../../apps/api/src/schema';
import { AuditModule } from './audit.module';
import { AuditRepository } from './audit.repository';
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
    await audit.seal();
    const result = await audit.verify();
    expect(result).toEqual({ intact: true, checked: 40, unsealed: 0 });
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
    await audit.seal();
    const deleted = await audit.applyRetention(90);
    expect(deleted).toBe(42);
    const remaining = await audit.find({}, 200);
    expect(remaining.items.map((r) => r.action).sort()).toEqual(['audit.retention', 'recent']);
    await audit.seal();
    expect(await audit.verify()).toEqual({ intact: true, checked: 2, unsealed: 0 });
  });

  it('retention never deletes unsealed records nor the newest sealed one (the chain stays verifiable)', async () => {
    clock.advance(91 * 86_400_000);
    const other = await sealLockHolder();
    try {
      await audit.record(entry('old-unsealed'));
      clock.advance(91 * 86_400_000);
      // Everything is past retention now; the newest sealed record ('audit.retention') stays.
      expect(await audit.applyRetention(90)).toBe(1);
      const left = (await audit.find({}, 200)).items.map((r) => r.action).sort();
      expect(left).toEqual(['audit.retention', 'audit.retention', 'old-unsealed']);
    } finally {
      await other.end();
    }
    await audit.seal();
    expect(await audit.verify()).toEqual({ intact: true, checked: 3, unsealed: 0 });
  });

  it('does not serialize audited transactions: a second one records and commits while the first is open', async () => {
    let inserted!: () => void;
    let release!: () => void;
    const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = db.transaction(async () => {
      await audit.record(entry('parallel-first'));
      inserted();
      await gate;
    });
    await firstInserted;
    // With a chain lock taken by writers, this would wait for the first transaction: lock_timeout turns
    // such a wait into an error instead of a hang.
    await db.detached(async () => {
      await db.manager().query("SET LOCAL lock_timeout = '5s'");
      await audit.record(entry('parallel-second'));
    });
    expect((await audit.find({ action: 'parallel-second' }, 1)).items).toHaveLength(1);
    await audit.seal();
    release();
    await first;
    await audit.seal();
    const [a] = (await audit.find({ action: 'parallel-first' }, 1)).items;
    const [b] = (await audit.find({ action: 'parallel-second' }, 1)).items;
    // Chained in sealing (commit) order, not insertion order.
    expect(BigInt(a?.seq ?? 0)).toBeLessThan(BigInt(b?.seq ?? 0));
    expect(BigInt(a?.chainPosition ?? 0)).toBeGreaterThan(BigInt(b?.chainPosition ?? 0));
    expect(a?.previousHash).toBe(b?.hash);
    expect(await audit.verify()).toMatchObject({ intact: true, unsealed: 0 });
  });

  it('reports committed records that are not sealed yet, and seals them', async () => {
    const other = await sealLockHolder();
    let before: Awaited<ReturnType<AuditService['verify']>>;
    try {
      await audit.record(entry('waiting-1'));
      await db.transaction(async () => {
        await audit.record(entry('waiting-2'));
        await audit.record(entry('waiting-3'));
      });
      before = await audit.verify();
      expect(before).toMatchObject({ intact: true, unsealed: 3 });
      const waiting = (await audit.find({ category: 'test' }, 3)).items;
      expect(waiting.map((r) => [r.chainPosition, r.hash])).toEqual([
        [null, null],
        [null, null],
        [null, null],
      ]);
      expect(waiting.every((r) => /^[0-9a-f]{64}$/.test(r.contentHash ?? ''))).toBe(true);
    } finally {
      await other.end();
    }
    await audit.seal();
    expect(await audit.verify()).toEqual({ intact: true, checked: before.checked + 3, unsealed: 0 });
  });

  it('refuses any UPDATE but sealing, and detects a sealed record altered behind its back', async () => {
    await audit.record(entry('tamper-target', { role: 'Viewer' }));
    await audit.seal();
    const [target] = (await audit.find({ action: 'tamper-target' }, 1)).items;
    const seq = target?.seq ?? '';
    const sql = new Client({ connectionString: database.url });
    await sql.connect();
    try {
      await expect(
        sql.query("UPDATE audit_records SET actor_name = 'mallory' WHERE seq = $1", [seq]),
      ).rejects.toThrow(/append-only/);
      await expect(
        sql.query('UPDATE audit_records SET chain_position = NULL, hash = NULL WHERE seq = $1', [seq]),
      ).rejects.toThrow(/append-only/);
      await sql.query('ALTER TABLE audit_records DISABLE TRIGGER audit_records_no_update');
      await sql.query(`UPDATE audit_records SET details = '{"role":"Admin"}' WHERE seq = $1`, [seq]);
      expect(await audit.verify()).toMatchObject({ intact: false, firstBrokenId: seq });
      // Rewriting the content hash too does not help: the chain hash covers the content.
      await sql.query('UPDATE audit_records SET content_hash = NULL WHERE seq = $1', [seq]);
      expect(await audit.verify()).toMatchObject({ intact: false, firstBrokenId: seq });
      await sql.query('UPDATE audit_records SET details = $2, content_hash = $3 WHERE seq = $1', [
        seq,
        target?.details,
        target?.contentHash,
      ]);
      await sql.query('ALTER TABLE audit_records ENABLE TRIGGER audit_records_no_update');
      expect(await audit.verify()).toMatchObject({ intact: true, unsealed: 0 });
    } finally {
      await sql.end();
    }
  });

  /** A client holding the sealer's lock (as another replica's sealer would), so nothing gets sealed. */
  async function sealLockHolder(): Promise<Client> {
    const other = new Client({ connectionString: database.url });
    await other.connect();
    await other.query("SELECT pg_advisory_lock('7261947301946622101')");
    return other;
  }

  it('records several entries in order in one insert, each redacted and hashed, and they seal into the chain', async () => {
    const inserts = jest.spyOn(moduleRef.get(AuditRepository), 'insertMany');
    await db.transaction(() =>
      audit.recordMany([
        entry('batch-first', { n: 1 }),
        entry('batch-second', { token: 'abc' }),
        entry('batch-third', { n: 3 }),
      ]),
    );
    expect(inserts).toHaveBeenCalledTimes(1);
    const firsts = (await audit.find({ action: 'batch-first' }, 1)).items;
    const seconds = (await audit.find({ action: 'batch-second' }, 1)).items;
    const thirds = (await audit.find({ action: 'batch-third' }, 1)).items;
    const seqs = [firsts[0]?.seq, seconds[0]?.seq, thirds[0]?.seq].map(Number);
    expect(seqs[0]).toBeLessThan(seqs[1] ?? 0);
    expect(seqs[1]).toBeLessThan(seqs[2] ?? 0);
    expect(seconds[0]?.details).toEqual({ token: '[REDACTED]' });
    await audit.seal();
    expect(await audit.verify()).toMatchObject({ intact: true, unsealed: 0 });
  });
});
