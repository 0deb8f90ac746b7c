import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A fixed-window request counter shared by every replica. */
@Entity({ name: 'rate_limit_counters' })
@Index('idx_rate_limit_counters_expires_at', ['expiresAt'])
export class RateLimitCounterEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  key: string;

  @Column({ type: 'integer' })
  hits: number;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
