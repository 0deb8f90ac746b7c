import { Injectable } from '@nestjs/common';
import type { ApprovalGatePort, GateDecision } from '../ports';

/**
 * The approval gate until the approvals feature provides one: an environment whose policy requires
 * approval keeps the deployment waiting (PendingApproval); the others pass.
 */
@Injectable()
export class PolicyOnlyGate implements ApprovalGatePort {
  evaluate(input: { policy: { required: boolean } }): Promise<GateDecision> {
    return Promise.resolve(input.policy.required ? { state: 'pending' } : { state: 'approved' });
  }
}
