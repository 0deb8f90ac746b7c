import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { In } from 'typeorm';
import { ApprovalStatus } from './approval-state';
import { ApprovalDecisionEntity } from './entities/approval-decision.entity';
import { ApprovalRequestEntity } from './entities/approval-request.entity';

export interface ApprovalFilter {
  readonly status?: string;
  readonly environment?: string;
  /** Keyset cursor: strictly older than (requestedAt, id). */
  readonly before?: { readonly requestedAt: Date; readonly id: string };
  readonly limit: number;
}

/** Approval gates and the decisions taken on them. */
@Injectable()
export class ApprovalsRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  /** Inserts the gate unless the deployment already has one at that environment; true when inserted. */
  async insertIfAbsent(row: ApprovalRequestEntity): Promise<boolean> {
    const result = await this.database
      .manager()
      .createQueryBuilder()
      .insert()
      .into(ApprovalRequestEntity)
      .values(row)
      .orIgnore()
      .returning(['id'])
      .execute();
    return Array.isArray(result.raw) && result.raw.length > 0;
  }

  findGate(deploymentId: string, environment: string): Promise<ApprovalRequestEntity | null> {
    return this.database.repository(ApprovalRequestEntity).findOneBy({ deploymentId, environment });
  }

  find(id: string): Promise<ApprovalRequestEntity | null> {
    return this.database.repository(ApprovalRequestEntity).findOneBy({ id });
  }

  /** The gate row locked for this transaction, so concurrent decisions are counted one at a time. */
  lock(id: string): Promise<ApprovalRequestEntity | null> {
    return this.database
      .repository(ApprovalRequestEntity)
      .createQueryBuilder('a')
      .setLock('pessimistic_write')
      .where('a.id = :id', { id })
      .getOne();
  }

  /** Like {@link lock}, but skips a row another transaction holds (sweeps). */
  lockIfFree(id: string): Promise<ApprovalRequestEntity | null> {
    return this.database
      .repository(ApprovalRequestEntity)
      .createQueryBuilder('a')
      .setLock('pessimistic_write')
      .setOnLocked('skip_locked')
      .where('a.id = :id', { id })
      .getOne();
  }

  /** Every gate of a deployment, in the order they opened. */
  ofDeployment(deploymentId: string): Promise<ApprovalRequestEntity[]> {
    return this.database
      .repository(ApprovalRequestEntity)
      .find({ where: { deploymentId }, order: { requestedAt: 'ASC', id: 'ASC' } });
  }

  async update(id: string, changes: Partial<Omit<ApprovalRequestEntity, 'id'>>): Promise<void> {
    await this.database.repository(ApprovalRequestEntity).update({ id }, changes);
  }

  /** Open gates, soonest deadline first; `after` continues from a previous page's last gate. */
  pending(
    limit: number,
    after?: { readonly expiresAt: Date; readonly id: string },
  ): Promise<ApprovalRequestEntity[]> {
    const query = this.database
      .repository(ApprovalRequestEntity)
      .createQueryBuilder('a')
      .where('a.status = :status', { status: ApprovalStatus.Pending });
    if (after !== undefined)
      query.andWhere('(a.expires_at, a.id) > (:at, :id)', { at: after.expiresAt, id: after.id });
    return query.orderBy('a.expires_at', 'ASC').addOrderBy('a.id', 'ASC').limit(limit).getMany();
  }

  /** Open gates whose deadline has passed. */
  overdue(now: Date, limit: number): Promise<ApprovalRequestEntity[]> {
    return this.database
      .repository(ApprovalRequestEntity)
      .createQueryBuilder('a')
      .where('a.status = :status', { status: ApprovalStatus.Pending })
      .andWhere('a.expires_at <= :now', { now })
      .orderBy('a.expires_at', 'ASC')
      .limit(limit)
      .getMany();
  }

  list(filter: ApprovalFilter): Promise<ApprovalRequestEntity[]> {
    const query = this.database.repository(ApprovalRequestEntity).createQueryBuilder('a');
    if (filter.status !== undefined) query.andWhere('a.status = :status', { status: filter.status });
    if (filter.environment !== undefined)
      query.andWhere('lower(a.environment) = lower(:environment)', { environment: filter.environment });
    if (filter.before !== undefined) {
      query.andWhere('(a.requested_at, a.id) < (:at, :id)', {
        at: filter.before.requestedAt,
        id: filter.before.id,
      });
    }
    return query.orderBy('a.requested_at', 'DESC').addOrderBy('a.id', 'DESC').limit(filter.limit).getMany();
  }

  decisionsOf(requestIds: readonly string[]): Promise<ApprovalDecisionEntity[]> {
    if (requestIds.length === 0) return Promise.resolve([]);
    return this.database
      .repository(ApprovalDecisionEntity)
      .find({ where: { requestId: In([...requestIds]) }, order: { decidedAt: 'ASC', id: 'ASC' } });
  }

  async insertDecision(row: ApprovalDecisionEntity): Promise<void> {
    await this.database.repository(ApprovalDecisionEntity).insert(row);
  }
}
