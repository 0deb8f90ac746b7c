import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** An outgoing webhook of one environment, told about that environment's approval events. */
@Entity({ name: 'environment_webhooks' })
@Index('idx_environment_webhooks_environment', ['environment'])
export class WebhookEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  /** The environment's name as stored by the fleet (its canonical letter case). */
  @Column({ type: 'varchar', length: 64 })
  environment: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  /** The HMAC-SHA256 key of the signature header. Never returned by the API. */
  @Column({ type: 'varchar', length: 256 })
  secret: string;

  /** Event types it receives. */
  @Column({ type: 'jsonb' })
  events: string[];

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
