import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One user's decision on one gate; a user decides a gate once (the unique index is the backstop). */
@Entity({ name: 'approval_decisions' })
@Index('uq_approval_decisions_user', ['requestId', 'decidedBy'], { unique: true })
export class ApprovalDecisionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  requestId: string;

  /** The user name of the caller (for an API token, its owner's). */
  @Column({ type: 'varchar', length: 200 })
  decidedBy: string;

  @Column({ type: 'varchar', length: 16 })
  decision: string;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'timestamptz' })
  decidedAt: Date;
}
