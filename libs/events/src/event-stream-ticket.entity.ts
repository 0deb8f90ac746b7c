import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A single-use, short-lived ticket for `EventSource` clients, which cannot send headers. */
@Entity({ name: 'event_stream_tickets' })
@Index('idx_event_stream_tickets_expires', ['expiresAt'])
export class EventStreamTicketEntity {
  /** sha256 of the ticket value; the value itself is never stored. */
  @PrimaryColumn({ type: 'varchar', length: 64, primaryKeyConstraintName: 'PK_event_stream_tickets' })
  hash: string;

  /** Who redeems it: the principal that asked for it (id, kind, username, roles). */
  @Column({ type: 'jsonb' })
  principal: Record<string, unknown>;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
