import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { EnvironmentEntity } from './entities/environment.entity';

/** Environments and their policies. */
@Injectable()
export class EnvironmentsRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  list(): Promise<EnvironmentEntity[]> {
    return this.database.selectRows(EnvironmentEntity, 'true', [], 'ORDER BY rank');
  }

  findByKey(nameKey: string): Promise<EnvironmentEntity | null> {
    return this.database.repository(EnvironmentEntity).findOneBy({ nameKey });
  }

  findById(id: string): Promise<EnvironmentEntity | null> {
    return this.database.repository(EnvironmentEntity).findOneBy({ id });
  }

  findByRank(rank: number): Promise<EnvironmentEntity | null> {
    return this.database.repository(EnvironmentEntity).findOneBy({ rank });
  }

  /** Inserts unless an environment with that name or rank exists; whether it was inserted. */
  async insertIfAbsent(row: Omit<EnvironmentEntity, 'createdAt' | 'updatedAt'>): Promise<boolean> {
    const result = await this.database
      .manager()
      .createQueryBuilder()
      .insert()
      .into(EnvironmentEntity)
      // jsonb columns typed as records do not fit TypeORM's deep-partial type; the row is complete.
      .values(row)
      .orIgnore()
      .returning(['id'])
      .execute();
    return result.raw instanceof Array && result.raw.length > 0;
  }

  async save(row: EnvironmentEntity): Promise<EnvironmentEntity> {
    return this.database.repository(EnvironmentEntity).save(row);
  }
}
