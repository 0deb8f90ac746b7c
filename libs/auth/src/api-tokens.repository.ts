import { Inject, Injectable } from '@nestjs/common';
import {
  API_TOKEN_SQL,
  apiTokenRecordOf,
  TOUCH_API_TOKEN_SQL,
  type ApiTokenRecord,
} from '@hotswap/auth-core';
import { Database } from '@hotswap/database';
import { ApiTokenEntity } from './entities/api-token.entity';

@Injectable()
export class ApiTokensRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async insert(token: ApiTokenEntity): Promise<void> {
    await this.db.repository(ApiTokenEntity).insert(token);
  }

  /** The token and its owner by hash (the same query as the event gateway's). */
  async findRecordByHash(tokenHash: string): Promise<ApiTokenRecord | undefined> {
    return apiTokenRecordOf(await this.db.manager().query(API_TOKEN_SQL, [tokenHash]));
  }

  findById(id: string): Promise<ApiTokenEntity | null> {
    return this.db.repository(ApiTokenEntity).findOneBy({ id });
  }

  /** Newest first; ordered by (createdAt, id) so the cursor is stable. */
  list(
    ownerId: string | undefined,
    limit: number,
    before?: { createdAt: Date; id: string },
  ): Promise<ApiTokenEntity[]> {
    const qb = this.db
      .repository(ApiTokenEntity)
      .createQueryBuilder('t')
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .limit(limit);
    if (ownerId !== undefined) qb.andWhere('t.owner_id = :ownerId', { ownerId });
    if (before !== undefined) {
      qb.andWhere('(t.created_at, t.id) < (:createdAt, :id)', { createdAt: before.createdAt, id: before.id });
    }
    return qb.getMany();
  }

  async revoke(id: string, at: Date): Promise<void> {
    await this.db.repository(ApiTokenEntity).update({ id }, { revokedAt: at });
  }

  /** Records use; skipped when a use was recorded less than `minIntervalMs` ago. */
  async touch(id: string, at: Date, minIntervalMs: number): Promise<void> {
    await this.db.manager().query(TOUCH_API_TOKEN_SQL, [id, at, new Date(at.getTime() - minIntervalMs)]);
  }
}
