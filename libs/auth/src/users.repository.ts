import { Inject, Injectable } from '@nestjs/common';
import { Role } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { ArrayContains, MoreThan } from 'typeorm';
import { UserEntity } from './entities/user.entity';

@Injectable()
export class UsersRepository {
  constructor(@Inject(Database) private readonly db: Database) {}

  private get repo() {
    return this.db.repository(UserEntity);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByUsername(username: string): Promise<UserEntity | null> {
    return this.repo.findOneBy({ username: username.toLowerCase() });
  }

  /** Reads the row and locks it until the surrounding transaction ends. */
  findByIdForUpdate(id: string): Promise<UserEntity | null> {
    return this.repo.findOne({ where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** Inserts unless the username exists (`ON CONFLICT DO NOTHING`, so a race never aborts the transaction). */
  async insertIfAbsent(user: UserEntity): Promise<boolean> {
    await this.repo.createQueryBuilder().insert().values(user).orIgnore().execute();
    return this.repo.existsBy({ id: user.id });
  }

  async save(user: UserEntity): Promise<void> {
    await this.repo.save(user);
  }

  /** A page ordered by username, after `afterUsername`. */
  list(limit: number, afterUsername?: string): Promise<UserEntity[]> {
    return this.repo.find({
      where: afterUsername === undefined ? {} : { username: MoreThan(afterUsername) },
      order: { username: 'ASC' },
      take: limit,
    });
  }

  count(): Promise<number> {
    return this.repo.count();
  }

  countEnabledAdmins(): Promise<number> {
    return this.repo.countBy({ disabled: false, roles: ArrayContains([Role.Admin]) });
  }

  /** Serializes creation of the first users by replicas starting together. */
  async lockBootstrap(): Promise<void> {
    await this.db.manager().query('SELECT pg_advisory_xact_lock($1)', ['7261947301946622201']);
  }
}
