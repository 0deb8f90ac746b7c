import type { MigrationClass } from '@hotswap/database';
import { IdentityAndAudit1796026890508 } from './1796026890508-IdentityAndAudit';
import { Initial1796025441685 } from './1796025441685-Initial';

/** Applied in this order. `npm run migration:generate -- <Name>` appends new ones. */
export const MIGRATIONS: MigrationClass[] = [Initial1796025441685, IdentityAndAudit1796026890508];
