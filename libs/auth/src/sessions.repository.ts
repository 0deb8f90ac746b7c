import { Inject, Injectable } from '@nestjs/common';
import { SESSION_STATE_SQL, sessionStateOf, type SessionState } from '@hotswap/auth-core';
import { Database } from '@hotswap/database';
import { IsNull, Not } from 'typeorm';
import { RefreshTokenEntity } from './entities/refresh-token.entity';
import { SessionEntity } from './entities/session.entity';

export type { SessionState } from '@hotswap/auth-core';

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

  /** The session's state (the same query as the event gateway's). */
  async state(sessionId: string): Promise<SessionState | undefined> {
    return sessionStateOf(await this.db.query(SESSION_STATE_SQL, [sessionId], { prepare: true }));
  }
}
