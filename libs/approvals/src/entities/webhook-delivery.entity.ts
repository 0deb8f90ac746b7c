import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One delivery attempt of one event to one webhook. */
@Entity({ name: 'webhook_deliveries' })
@Index('idx_webhook_deliveries_webhook', ['webhookId', 'at'])
@Index('idx_webhook_deliveries_event', ['eventId', 'attempt'])
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'uuid' })
  webhookId: string;

  @Column({ type: 'varchar', length: 64 })
  environment: string;

  /** The id the receiver sees (`X-HotSwap-Delivery`): the same on every attempt. */
  @Column({ type: 'uuid' })
  eventId: string;

  @Column({ type: 'varchar', length: 64 })
  eventType: string;

  @Column({ type: 'integer' })
  attempt: number;

  /** The receiver's HTTP status; null when no response arrived. */
  @Column({ type: 'integer', nullable: true })
  statusCode: number | null;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  @Column({ type: 'timestamptz' })
  at: Date;
}
