import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One named leadership lease. `epoch` grows with every new term and is the fencing token: writes
 * made for the leader role check it in the same statement.
 */
@Entity({ name: 'leader_lease' })
export class LeaderLeaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 200 })
  holder: string;

  @Column({ type: 'bigint' })
  epoch: string;

  @Column({ type: 'timestamptz' })
  acquiredAt: Date;

  @Column({ type: 'timestamptz' })
  renewedAt: Date;

  @Column({ type: 'timestamptz' })
  expiresAt: Date;
}
