import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity({ name: 'users' })
@Index('uq_users_username', ['username'], { unique: true })
export class UserEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** Lowercase; unique. */
  @Column({ type: 'varchar', length: 64 })
  username: string;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  fullName: string | null;

  /** argon2id, PHC string format. Never leaves the auth lib. */
  @Column({ type: 'varchar', length: 255 })
  passwordHash: string;

  @Column({ type: 'text', array: true })
  roles: string[];

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  /** Bumped when roles change, the password is reset or the user is disabled: older access tokens stop working. */
  @Column({ type: 'integer', default: 0 })
  tokenVersion: number;

  /** Consecutive failed logins since the last success (or the end of the last lockout). */
  @Column({ type: 'integer', default: 0 })
  failedLoginCount: number;

  @Column({ type: 'timestamptz', nullable: true })
  lockedUntil: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  lastLoginAt: Date | null;

  @Column({ type: 'timestamptz' })
  createdAt: Date;

  @Column({ type: 'timestamptz' })
  updatedAt: Date;
}
