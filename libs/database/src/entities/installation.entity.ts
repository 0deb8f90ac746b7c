import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row that identifies this HotSwap installation (its database), written on first start. */
@Entity({ name: 'installation' })
export class InstallationEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'timestamptz' })
  createdAt: Date;
}
