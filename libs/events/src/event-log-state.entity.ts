import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row: how far retention has pruned the log (a cursor below it gets `resync`). */
@Entity({ name: 'event_log_state' })
export class EventLogStateEntity {
  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'PK_event_log_state' })
  id: number;

  /** Every event with a seq up to this one may have been deleted. */
  @Column({ type: 'bigint', default: '0' })
  prunedThrough: string;

  @Column({ type: 'timestamptz', nullable: true })
  prunedAt: Date | null;
}
