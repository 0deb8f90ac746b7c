import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { SigningKeyEntity } from './entities/signing-key.entity';

@Injectable()
export class SigningKeysRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  async findById(id: string): Promise<SigningKeyEntity | null> {
    return this.database.repository(SigningKeyEntity).findOneBy({ id });
  }

  async findByNameOrFingerprint(name: string, fingerprint: string): Promise<SigningKeyEntity | null> {
    return this.database.repository(SigningKeyEntity).findOne({ where: [{ name }, { fingerprint }] });
  }

  async list(): Promise<SigningKeyEntity[]> {
    return this.database.repository(SigningKeyEntity).find({ order: { createdAt: 'ASC', name: 'ASC' } });
  }

  async insert(
    row: Pick<SigningKeyEntity, 'name' | 'algorithm' | 'publicKey' | 'fingerprint'>,
  ): Promise<SigningKeyEntity> {
    const repository = this.database.repository(SigningKeyEntity);
    return repository.save(repository.create({ ...row, id: randomUUID(), revokedAt: null }));
  }

  async revoke(id: string, at: Date): Promise<void> {
    await this.database.repository(SigningKeyEntity).update({ id }, { revokedAt: at });
  }
}
