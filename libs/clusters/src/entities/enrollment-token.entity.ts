import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  type Relation,
} from 'typeorm';
import { EnvironmentEntity } from './environment.entity';

/** An admin-issued token an agent exchanges for a node credential. Only its hash is kept. */
@Entity({ name: 'enrollment_tokens' })
@Index('uq_enrollment_tokens_hash', ['tokenHash'], { unique: true })
export class EnrollmentTokenEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  environmentId: string;

  @Column({ type: 'char', length: 64 })
  tokenHash: string;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'integer' })
  usesLeft: number;

  @Column({ type: 'varchar', length: 200 })
  createdBy: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt: Date;

  @ManyToOne(() => EnvironmentEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'environment_id', referencedColumnName: 'id' })
  environment?: Relation<EnvironmentEntity>;
}
