import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One approval gate: a deployment waiting at one environment of its path. The environment's policy is
 * copied in when the gate opens, so a later policy change does not move an open gate's goalposts.
 */
@Entity({ name: 'approval_requests' })
@Index('uq_approval_requests_gate', ['deploymentId', 'environment'], { unique: true })
@Index('idx_approval_requests_status_expiry', ['status', 'expiresAt'])
@Index('idx_approval_requests_requested', ['requestedAt', 'id'])
export class ApprovalRequestEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  deploymentId: string;

  @Column({ type: 'varchar', length: 64 })
  environment: string;

  @Column({ type: 'varchar', length: 64 })
  moduleName: string;

  @Column({ type: 'varchar', length: 256 })
  version: string;

  @Column({ type: 'varchar', length: 200 })
  requestedBy: string;

  @Column({ type: 'varchar', length: 16 })
  status: string;

  @Column({ type: 'integer' })
  quorum: number;

  @Column({ type: 'jsonb' })
  approverRoles: string[];

  @Column({ type: 'boolean' })
  requesterMayApprove: boolean;

  @Column({ type: 'integer' })
  timeoutSeconds: number;

  @Column({ type: 'timestamptz' })
  requestedAt: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  closedAt: Date | null;

  /** The user whose decision closed the gate (`system` for an expiry or cancellation). */
  @Column({ type: 'varchar', length: 200, nullable: true })
  closedBy: string | null;

  /** Why it closed: the rejection's reason, the expiry or the cancellation. */
  @Column({ type: 'text', nullable: true })
  closeReason: string | null;
}
