import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { type FindOptionsWhere, Between, LessThan, LessThanOrEqual, MoreThanOrEqual } from 'typeorm';
import { AuditRecordEntity } from './entities/audit-record.entity';

/** Serializes writers of the hash chain (any fixed 64-bit key). */
const CHAIN_LOCK_KEY = '7261947301946622101';

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

export type NewAuditRecord = Omit<AuditRecordEntity, 'seq'>;

/** The only code that touches `audit_records`: insert, read, and delete past retention. */
@Injectable()
export class AuditRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  /**
   * Takes the chain lock for the rest of the current transaction, so reading the last hash and
   * inserting the next record cannot interleave with another writer (on any replica).
   */
  async lockChain(): Promise<void> {
    await this.db.manager().query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_KEY]);
  }

  async lastHash(): Promise<string | undefined> {
    const last = await this.db
      .repository(AuditRecordEntity)
      .find({ select: { hash: true }, order: { seq: 'DESC' }, take: 1 });
    return last[0]?.hash;
  }

  async insert(record: NewAuditRecord): Promise<void> {
    const repository = this.db.repository(AuditRecordEntity);
    await repository.save(repository.create(record));
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

  /** Records in chain order, `batch` at a time, after `afterSeq`. */
  async chainBatch(afterSeq: string | undefined, batch: number): Promise<AuditRecordEntity[]> {
    const qb = this.db
      .repository(AuditRecordEntity)
      .createQueryBuilder('r')
      .orderBy('r.seq', 'ASC')
      .limit(batch);
    if (afterSeq !== undefined) qb.where('r.seq > :afterSeq', { afterSeq });
    return qb.getMany();
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

  async deleteOlderThan(cutoff: Date): Promise<number> {
    const result = await this.db.repository(AuditRecordEntity).delete({ occurredAt: LessThan(cutoff) });
    return result.affected ?? 0;
  }
}
