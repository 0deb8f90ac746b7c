import type { MigrationClass } from '@hotswap/database';
import { Coordination1796027066929 } from './1796027066929-Coordination';
import { Initial1796025441685 } from './1796025441685-Initial';

/** Applied in this order. `npm run migration:generate -- <Name>` appends new ones. */
export const MIGRATIONS: MigrationClass[] = [Initial1796025441685, Coordination1796027066929];
