import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from './user.entity';

/** A named, role-scoped, expiring token for CI and service accounts; only its sha256 is stored. */
@Entity({ name: 'api_tokens' })
@Index('uq_api_tokens_token_hash', ['tokenHash'], { unique: true })
@Index('idx_api_tokens_owner_id', ['ownerId'])
export class ApiTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  ownerId: string;

  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_id' })
  owner?: UserEntity;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'text', array: true })
  roles: string[];

  @Column({ type: 'char', length: 64 })
  tokenHash: string;

  /** The first characters of the value (`hs_ab12cd`), to tell tokens apart in lists. */
  @Column({ type: 'varchar', length: 16 })
  prefix: string;

  @Column({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
