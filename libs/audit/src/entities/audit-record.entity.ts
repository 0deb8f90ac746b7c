import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One audit record. Rows are inserted unsealed (no chain position, no chain hashes) and sealed once by
 * the sealer (DR-31); a trigger refuses every other UPDATE. Retention deletes the oldest sealed rows.
 */
@Entity({ name: 'audit_records' })
@Index('uq_audit_records_chain_position', ['chainPosition'], { unique: true })
@Index('idx_audit_records_unsealed', ['seq'], { where: '"chain_position" IS NULL' })
@Index('idx_audit_records_occurred_at', ['occurredAt'])
@Index('idx_audit_records_category', ['category', 'seq'])
@Index('idx_audit_records_action', ['action', 'seq'])
@Index('idx_audit_records_actor_name', ['actorName', 'seq'])
@Index('idx_audit_records_resource', ['resourceType', 'resourceId'])
@Index('idx_audit_records_trace_id', ['traceId'])
export class AuditRecordEntity {
  /** Insertion order (bigint, read as a string): the id of a record, not its chain position. */
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

  /** sha256(canonical record), hex, written with the record (null on records older than DR-31). */
  @Column({ type: 'char', length: 64, nullable: true })
  contentHash: string | null;

  /** Position in the hash chain, assigned in sealing order; null until sealed. */
  @Column({ type: 'bigint', nullable: true })
  chainPosition: string | null;

  /** The hash of the record sealed just before this one; null until sealed. */
  @Column({ type: 'char', length: 64, nullable: true })
  previousHash: string | null;

  /** sha256(previousHash || canonical record), hex; null until sealed. */
  @Column({ type: 'char', length: 64, nullable: true })
  hash: string | null;
}
