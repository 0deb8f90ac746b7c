import type { MigrationClass } from '@hotswap/database';
import { Initial1796025441685 } from './1796025441685-Initial';
import { ModuleRegistry1796026865022 } from './1796026865022-ModuleRegistry';
import { IdentityAndAudit1796026890508 } from './1796026890508-IdentityAndAudit';
import { Coordination1796027066929 } from './1796027066929-Coordination';
import { Fleet1796028220168 } from './1796028220168-Fleet';
import { DeploymentEngine1796029949379 } from './1796029949379-DeploymentEngine';
import { KnowledgeGraph1796031000000 } from './1796031000000-KnowledgeGraph';
import { EventRelay1796031200000 } from './1796031200000-EventRelay';
import { Approvals1796160255228 } from './1796160255228-Approvals';
import { AuditSealing1796163019457 } from './1796163019457-AuditSealing';
import { DeploymentsUnfinishedIndex1796191326444 } from './1796191326444-DeploymentsUnfinishedIndex';
import { DeploymentsCreatedMilliseconds1796193932343 } from './1796193932343-DeploymentsCreatedMilliseconds';
import { DeploymentsRollbackLink1796194179603 } from './1796194179603-DeploymentsRollbackLink';
import { PreviousSlotRetention1796225121231 } from './1796225121231-PreviousSlotRetention';
import { ApprovalPolicyRollbacks1796225391153 } from './1796225391153-ApprovalPolicyRollbacks';
import { StageUnrestoredNodes1796225949146 } from './1796225949146-StageUnrestoredNodes';

/** Applied in this order. `npm run migration:generate -- <Name>` appends new ones. */
export const MIGRATIONS: MigrationClass[] = [
  Initial1796025441685,
  ModuleRegistry1796026865022,
  IdentityAndAudit1796026890508,
  Coordination1796027066929,
  Fleet1796028220168,
  DeploymentEngine1796029949379,
  KnowledgeGraph1796031000000,
  EventRelay1796031200000,
  Approvals1796160255228,
  AuditSealing1796163019457,
  DeploymentsUnfinishedIndex1796191326444,
  DeploymentsCreatedMilliseconds1796193932343,
  DeploymentsRollbackLink1796194179603,
  PreviousSlotRetention1796225121231,
  ApprovalPolicyRollbacks1796225391153,
  StageUnrestoredNodes1796225949146,
];
