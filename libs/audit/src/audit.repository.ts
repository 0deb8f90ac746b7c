import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { type FindOptionsWhere, Between, LessThan, LessThanOrEqual, MoreThanOrEqual } from 'typeorm';
import { AuditRecordEntity } from './entities/audit-record.entity';

/** One sealer at a time, on any replica (any fixed 64-bit key). */
const SEAL_LOCK_KEY = '7261947301946622101';

export interface AuditFilter {
  readonly category?: string;
  readonly action?: string;
  readonly actorId?: string;
  readonly actorName?: string;
  readonly resourceType?: string;
  readonly resourceId?: string;
  readonly traceId?: string;
  readonly from?: Date;
  readonly to?: Date;
  /** Only records older (smaller seq) than this one: the cursor. */
  readonly beforeSeq?: string;
}

export type NewAuditRecord = Omit<AuditRecordEntity, 'seq' | 'chainPosition' | 'previousHash' | 'hash'>;

/** What sealing sets on one record. */
export interface SealLink {
  readonly seq: string;
  readonly chainPosition: string;
  readonly previousHash: string;
  readonly hash: string;
}

/** A sealed record in chain order (the hashes are set). */
export type SealedRecord = AuditRecordEntity & { chainPosition: string; previousHash: string; hash: string };

/** The only code that touches `audit_records`: insert, read, and delete past retention. */
@Injectable()
export class AuditRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  /** Inserts an unsealed record: no lock, nothing read (DR-31). */
  async insert(record: NewAuditRecord): Promise<void> {
    await this.insertMany([record]);
  }

  /** Unsealed records in one INSERT, in order (their seq follows it). */
  async insertMany(records: readonly NewAuditRecord[]): Promise<void> {
    await this.db.insertRows(
      AuditRecordEntity,
      records.map((record) => ({ ...record, chainPosition: null, previousHash: null, hash: null })),
    );
  }

  /**
   * Tries to become the one sealer now: a transaction-level advisory lock, held until the surrounding
   * transaction ends.
   */
  async trySealLock(): Promise<boolean> {
    const rows: { locked: boolean }[] = await this.db
      .manager()
      .query('SELECT pg_try_advisory_xact_lock($1) AS locked', [SEAL_LOCK_KEY]);
    return rows[0]?.locked === true;
  }

  /** The end of the chain: the record sealed last. */
  async lastSealed(): Promise<{ chainPosition: string; hash: string } | undefined> {
    const rows: { chain_position: string; hash: string }[] = await this.db
      .manager()
      .query(
        'SELECT chain_position, hash FROM audit_records WHERE chain_position IS NOT NULL ORDER BY chain_position DESC LIMIT 1',
      );
    const row = rows[0];
    return row === undefined ? undefined : { chainPosition: String(row.chain_position), hash: row.hash };
  }

  /** Committed records not sealed yet, oldest first. */
  async unsealed(limit: number): Promise<AuditRecordEntity[]> {
    return this.db
      .repository(AuditRecordEntity)
      .createQueryBuilder('r')
      .where('r.chainPosition IS NULL')
      .orderBy('r.seq', 'ASC')
      .limit(limit)
      .getMany();
  }

  /** Seals records in one statement (only records still unsealed: the trigger allows nothing else). */
  async seal(links: readonly SealLink[]): Promise<void> {
    if (links.length === 0) return;
    await this.db.manager().query(
      `UPDATE audit_records AS r
          SET chain_position = v.position, previous_hash = v.previous_hash, hash = v.hash
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(seq, position, previous_hash, hash)
        WHERE r.seq = v.seq AND r.chain_position IS NULL`,
      [
        links.map((l) => l.seq),
        links.map((l) => l.chainPosition),
        links.map((l) => l.previousHash),
        links.map((l) => l.hash),
      ],
    );
  }

  async countUnsealed(): Promise<number> {
    return this.db
      .repository(AuditRecordEntity)
      .createQueryBuilder('r')
      .where('r.chainPosition IS NULL')
      .getCount();
  }

  async find(filter: AuditFilter, limit: number): Promise<AuditRecordEntity[]> {
    const where: FindOptionsWhere<AuditRecordEntity> = {};
    if (filter.category !== undefined) where.category = filter.category;
    if (filter.action !== undefined) where.action = filter.action;
    if (filter.actorId !== undefined) where.actorId = filter.actorId;
    if (filter.actorName !== undefined) where.actorName = filter.actorName;
    if (filter.resourceType !== undefined) where.resourceType = filter.resourceType;
    if (filter.resourceId !== undefined) where.resourceId = filter.resourceId;
    if (filter.traceId !== undefined) where.traceId = filter.traceId;
    if (filter.from !== undefined && filter.to !== undefined)
      where.occurredAt = Between(filter.from, filter.to);
    else if (filter.from !== undefined) where.occurredAt = MoreThanOrEqual(filter.from);
    else if (filter.to !== undefined) where.occurredAt = LessThanOrEqual(filter.to);
    if (filter.beforeSeq !== undefined) where.seq = LessThan(filter.beforeSeq);
    return this.db.repository(AuditRecordEntity).find({ where, order: { seq: 'DESC' }, take: limit });
  }

  /** Sealed records in chain order, `batch` at a time, after chain position `afterPosition`. */
  async chainBatch(afterPosition: string | undefined, batch: number): Promise<SealedRecord[]> {
    const qb = this.db
      .repository(AuditRecordEntity)
      .createQueryBuilder('r')
      .where('r.chainPosition IS NOT NULL')
      .orderBy('r.chainPosition', 'ASC')
      .limit(batch);
    if (afterPosition !== undefined) qb.andWhere('r.chainPosition > :afterPosition', { afterPosition });
    return (await qb.getMany()) as SealedRecord[];
  }

  /**
   * Tries to become the one replica running retention now: a transaction-level advisory lock, held
   * until the surrounding transaction ends.
   */
  async tryRetentionLock(): Promise<boolean> {
    const rows: { locked: boolean }[] = await this.db
      .manager()
      .query('SELECT pg_try_advisory_xact_lock($1) AS locked', ['7261947301946622102']);
    return rows[0]?.locked === true;
  }

  /**
   * Deletes past retention from the old end of the chain only: sealed records before the first sealed
   * record that is not past `cutoff`, always keeping the newest sealed record (the chain's anchor).
   * Records are sealed in commit order, not occurredAt order, so deleting by time alone could cut a
   * hole in the middle of the chain; unsealed records are never deleted.
   */
  async deleteSealedOlderThan(cutoff: Date): Promise<number> {
    const result = await this.db
      .manager()
      .createQueryBuilder()
      .delete()
      .from(AuditRecordEntity)
      .where(
        `chain_position < LEAST(
           COALESCE((SELECT min(chain_position) FROM audit_records
                      WHERE chain_position IS NOT NULL AND occurred_at >= :cutoff), 9223372036854775807),
           (SELECT max(chain_position) FROM audit_records))`,
        { cutoff },
      )
      .execute();
    return result.affected ?? 0;
  }
}
