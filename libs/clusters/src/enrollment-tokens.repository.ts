import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { EnrollmentTokenEntity } from './entities/enrollment-token.entity';
import { queryRows } from './sql';

@Injectable()
export class EnrollmentTokensRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  async insert(
    row: Omit<EnrollmentTokenEntity, 'createdAt' | 'environment'>,
  ): Promise<EnrollmentTokenEntity> {
    await this.database.repository(EnrollmentTokenEntity).insert(row);
    const saved = await this.database.repository(EnrollmentTokenEntity).findOneBy({ id: row.id });
    if (saved === null) throw new Error('enrollment token vanished after insert');
    return saved;
  }

  /**
   * Takes one use of the token if it is known, unexpired and not used up (atomically, so two agents
   * racing for the last use cannot both win). Returns its environment, or null.
   */
  async consume(tokenHash: string, now: Date): Promise<{ id: string; environmentId: string } | null> {
    const rows = await queryRows<{ id: string; environment_id: string }>(
      this.database,
      `UPDATE enrollment_tokens SET uses_left = uses_left - 1
       WHERE token_hash = $1 AND uses_left > 0 AND expires_at > $2
       RETURNING id, environment_id`,
      [tokenHash, now.toISOString()],
    );
    const row = rows[0];
    return row === undefined ? null : { id: row.id, environmentId: row.environment_id };
  }
}
