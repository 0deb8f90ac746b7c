import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { IsNull, Not } from 'typeorm';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { SessionEntity } from './entities/session.entity';
import { UserEntity } from './entities/user.entity';

/** What a request with an access token needs to know about its session, in one indexed query. */
export interface SessionState {
  readonly userId: string;
  readonly revoked: boolean;
  readonly disabled: boolean;
  readonly tokenVersion: number;
}

@Injectable()
export class SessionsRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  async insertSession(session: SessionEntity): Promise<void> {
    await this.db.repository(SessionEntity).insert(session);
  }

  async insertRefreshToken(token: RefreshTokenEntity): Promise<void> {
    await this.db.repository(RefreshTokenEntity).insert(token);
  }

  findRefreshTokenForUpdate(tokenHash: string): Promise<RefreshTokenEntity | null> {
    return this.db
      .repository(RefreshTokenEntity)
      .findOne({ where: { tokenHash }, lock: { mode: 'pessimistic_write' } });
  }

  findSession(id: string): Promise<SessionEntity | null> {
    return this.db.repository(SessionEntity).findOneBy({ id });
  }

  async markRefreshTokenUsed(id: string, at: Date): Promise<void> {
    await this.db.repository(RefreshTokenEntity).update({ id }, { usedAt: at });
  }

  async revokeSession(id: string, at: Date, reason: string): Promise<void> {
    await this.db
      .repository(SessionEntity)
      .update({ id, revokedAt: IsNull() }, { revokedAt: at, revokedReason: reason });
  }

  /** Revokes every live session of a user (but `exceptSessionId`); returns how many. */
  async revokeUserSessions(
    userId: string,
    at: Date,
    reason: string,
    exceptSessionId?: string,
  ): Promise<number> {
    const result = await this.db.repository(SessionEntity).update(
      {
        userId,
        revokedAt: IsNull(),
        ...(exceptSessionId === undefined ? {} : { id: Not(exceptSessionId) }),
      },
      { revokedAt: at, revokedReason: reason },
    );
    return result.affected ?? 0;
  }

  async state(sessionId: string): Promise<SessionState | undefined> {
    const row = await this.db
      .repository(SessionEntity)
      .createQueryBuilder('s')
      .innerJoin(UserEntity, 'u', 'u.id = s.user_id')
      .select('s.user_id', 'userId')
      .addSelect('s.revoked_at IS NOT NULL', 'revoked')
      .addSelect('u.disabled', 'disabled')
      .addSelect('u.token_version', 'tokenVersion')
      .where('s.id = :sessionId', { sessionId })
      .getRawOne<{ userId: string; revoked: boolean; disabled: boolean; tokenVersion: number }>();
    return row === undefined
      ? undefined
      : {
          userId: row.userId,
          revoked: row.revoked,
          disabled: row.disabled,
          tokenVersion: Number(row.tokenVersion),
        };
  }
}
