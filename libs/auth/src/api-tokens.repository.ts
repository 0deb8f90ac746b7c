import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { ApiTokenEntity } from './entities/api-token.entity';
import { UserEntity } from './entities/user.entity';

export interface ApiTokenWithOwner {
  readonly token: ApiTokenEntity;
  readonly owner: UserEntity;
}

@Injectable()
export class ApiTokensRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async insert(token: ApiTokenEntity): Promise<void> {
    await this.db.repository(ApiTokenEntity).insert(token);
  }

  async findByHashWithOwner(tokenHash: string): Promise<ApiTokenWithOwner | undefined> {
    const token = await this.db
      .repository(ApiTokenEntity)
      .findOne({ where: { tokenHash }, relations: { owner: true } });
    if (token?.owner === undefined) return undefined;
    return { token, owner: token.owner };
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
    await this.db
      .repository(ApiTokenEntity)
      .createQueryBuilder()
      .update()
      .set({ lastUsedAt: at })
      .where('id = :id AND (last_used_at IS NULL OR last_used_at < :threshold)', {
        id,
        threshold: new Date(at.getTime() - minIntervalMs),
      })
      .execute();
  }
}
