import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { FaultProfile } from '../simulation/fault-profiles';

/** The one current set of simulation fault profiles (a single row, id 1), shared by every replica. */
@Entity({ name: 'simulation_faults' })
export class SimulationFaultsEntity {
  @PrimaryColumn({ type: 'integer' })
  id: number;

  @Column({ type: 'jsonb' })
  faults: FaultProfile[];

  @Column({ type: 'integer' })
  revision: number;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt: Date;
}
