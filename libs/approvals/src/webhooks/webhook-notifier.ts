import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AppConfig } from '@hotswap/config';
import { Clock, type EventPayloads } from '@hotswap/contracts';
import { defineQueue, JobQueue, type QueueDefinition } from '@hotswap/coordination';
import type { ApprovalRequestEntity } from '../entities/approval-request.entity';
import { WebhooksRepository } from './webhooks.repository';

export type ApprovalEventType = 'approval.requested' | 'approval.decided' | 'approval.expired';
export const APPROVAL_EVENT_TYPES: readonly ApprovalEventType[] = [
  'approval.requested',
  'approval.decided',
  'approval.expired',
];

/** One delivery: the body is fixed when the event happens, so every attempt sends the same bytes. */
export interface WebhookJob {
  readonly webhookId: string;
  readonly deliveryId: string;
  readonly eventType: ApprovalEventType;
  readonly body: string;
}

export const WEBHOOK_QUEUE_NAME = 'approvals.webhook';

/** The delivery queue, with the retry policy of the WEBHOOK_RETRY_* settings. */
export function webhookQueue(config: AppConfig): QueueDefinition<WebhookJob> {
  const settings = config.approvals.webhooks;
  return defineQueue<WebhookJob>(WEBHOOK_QUEUE_NAME, {
    retryLimit: settings.retryLimit,
    retryDelaySeconds: settings.retryDelaySeconds,
    retryDelayMaxSeconds: settings.retryDelayMaxSeconds,
    timeoutSeconds: Math.ceil(settings.timeoutMs / 1000) + 30,
  });
}

/** Queues a signed delivery of an approval event to each webhook of the gate's environment. */
@Injectable()
export class WebhookNotifier {
  private readonly queue: QueueDefinition<WebhookJob>;

  constructor(
    @Inject(WebhooksRepository) private readonly webhooks: WebhooksRepository,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(AppConfig) config: AppConfig,
  ) {
    this.queue = webhookQueue(config);
  }

  get definition(): QueueDefinition<WebhookJob> {
    return this.queue;
  }

  /** Inside the transaction of the change: the jobs exist exactly when it commits. */
  async notify<T extends ApprovalEventType>(
    gate: ApprovalRequestEntity,
    type: T,
    payload: EventPayloads[T],
  ): Promise<void> {
    const hooks = (await this.webhooks.ofEnvironment(gate.environment)).filter((h) =>
      h.events.includes(type),
    );
    if (hooks.length === 0) return;
    const at = this.clock.now().toISOString();
    await this.jobs.sendMany(
      this.queue,
      hooks.map((hook) => {
        const deliveryId = randomUUID();
        return {
          webhookId: hook.id,
          deliveryId,
          eventType: type,
          body: JSON.stringify({
            id: deliveryId,
            type,
            at,
            deploymentId: gate.deploymentId,
            environment: gate.environment,
            module: gate.moduleName,
            version: gate.version,
            data: payload,
          }),
        };
      }),
    );
  }
}
