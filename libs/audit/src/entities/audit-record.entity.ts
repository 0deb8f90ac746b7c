import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One audit record. Rows are only ever inserted (and deleted by retention); a trigger refuses UPDATE. */
@Entity({ name: 'audit_records' })
@Index('idx_audit_records_occurred_at', ['occurredAt'])
@Index('idx_audit_records_category', ['category', 'seq'])
@Index('idx_audit_records_action', ['action', 'seq'])
@Index('idx_audit_records_actor_name', ['actorName', 'seq'])
@Index('idx_audit_records_resource', ['resourceType', 'resourceId'])
@Index('idx_audit_records_trace_id', ['traceId'])
export class AuditRecordEntity {
  /** Position in the hash chain (bigint, read as a string). */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  seq: string;

  @Column({ type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'varchar', length: 64 })
  category: string;

  @Column({ type: 'varchar', length: 128 })
  action: string;

  @Column({ type: 'varchar', length: 16 })
  result: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar', length: 16, nullable: true })
  actorKind: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  actorName: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  resourceType: string | null;

  @Column({ type: 'varchar', length: 256, nullable: true })
  resourceId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  traceId: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;

  @Column({ type: 'char', length: 64 })
  previousHash: string;

  @Column({ type: 'char', length: 64 })
  hash: string;
}
