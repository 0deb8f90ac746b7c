import { ApprovalDecisionEntity } from './entities/approval-decision.entity';
import { ApprovalRequestEntity } from './entities/approval-request.entity';
import { WebhookDeliveryEntity } from './entities/webhook-delivery.entity';
import { WebhookEntity } from './entities/webhook.entity';

export { ApprovalGate, rejectionMessage } from './approval-gate';
export { APPROVAL_WAIT_METRIC, APPROVALS_METRIC } from './approval.metrics';
export {
  applyDecision,
  APPROVAL_STATUSES,
  ApprovalStatus,
  describeTimeout,
  formatTimeRemaining,
  type Decision,
  type DecisionOutcome,
  type GateState,
} from './approval-state';
export { APPROVAL_SWEEP_TASK, ApprovalSweeper } from './approval-sweeper';
export { expiryMessage } from './approval-transitions';
export { approvalGateWiring, ApprovalsCoreModule, ApprovalsModule } from './approvals.module';
export { ApprovalsService } from './approvals.service';
export {
  APPROVAL_EVENT_TYPES,
  WEBHOOK_QUEUE_NAME,
  type ApprovalEventType,
  type WebhookJob,
} from './webhooks/webhook-notifier';
export {
  DELIVERY_HEADER,
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signBody,
  WebhookSender,
  type WebhookResult,
} from './webhooks/webhook-sender';
export { isForbiddenAddress, resolveTarget, WebhookTargetError } from './webhooks/webhook-target';

/** Entities of approvals, for the application's schema. */
export const APPROVAL_ENTITIES = [
  ApprovalRequestEntity,
  ApprovalDecisionEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
];
