import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { SimulationFaultsEntity } from '../entities/simulation-faults.entity';
import { queryRows } from '../sql';
import type { FaultProfile } from './fault-profiles';

const ROW_ID = 1;

/** The current fault set, shared by replicas through the database. */
@Injectable()
export class SimulationFaultsRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  async read(): Promise<{ faults: FaultProfile[]; revision: number }> {
    const row = await this.database.repository(SimulationFaultsEntity).findOneBy({ id: ROW_ID });
    return row === null ? { faults: [], revision: 0 } : { faults: row.faults, revision: row.revision };
  }

  async replace(faults: FaultProfile[]): Promise<number> {
    const rows = await queryRows<{ revision: number }>(
      this.database,
      `INSERT INTO simulation_faults (id, faults, revision, updated_at) VALUES ($1, $2::jsonb, 1, now())
       ON CONFLICT (id) DO UPDATE SET faults = excluded.faults,
         revision = simulation_faults.revision + 1, updated_at = now()
       RETURNING revision`,
      [ROW_ID, JSON.stringify(faults)],
    );
    return rows[0]?.revision ?? 0;
  }
}
