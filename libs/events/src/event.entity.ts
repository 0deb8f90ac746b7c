import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One row of the event log (the transactional outbox of events spec §1). */
@Entity({ name: 'events' })
@Index('idx_events_type_seq', ['type', 'seq'])
@Index('idx_events_deployment_seq', ['deploymentId', 'seq'])
@Index('idx_events_at', ['at'])
export class EventEntity {
  /**
   * Global, strictly increasing: `(top-level xid << 20) + n`, set by the `events_seq` trigger (DR-29).
   * TypeORM reads bigint as a string.
   */
  @PrimaryColumn({ type: 'bigint' })
  seq: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @CreateDateColumn({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'uuid', nullable: true })
  deploymentId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  environment: string | null;

  @Column({ type: 'uuid', nullable: true })
  nodeId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  moduleName: string | null;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ type: 'varchar', length: 32, nullable: true })
  traceId: string | null;
}
