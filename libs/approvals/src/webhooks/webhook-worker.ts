import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '@hotswap/contracts';
import { JobQueue, type JobContext } from '@hotswap/coordination';
import { WebhookNotifier, type WebhookJob } from './webhook-notifier';
import { WebhookSender } from './webhook-sender';
import { WebhooksRepository } from './webhooks.repository';

/**
 * Delivers queued webhook bodies on every replica. Each attempt is recorded; a failed attempt throws,
 * so the queue retries it with backoff until the retry limit, then dead-letters it. A refused target
 * (a private address) is recorded and not retried.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap {
  private readonly logger = new Logger('WebhookWorker');

  constructor(
    @Inject(JobQueue) private readonly queue: JobQueue,
    @Inject(WebhookNotifier) private readonly notifier: WebhookNotifier,
    @Inject(WebhookSender) private readonly sender: WebhookSender,
    @Inject(WebhooksRepository) private readonly webhooks: WebhooksRepository,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.work(this.notifier.definition, (job) => this.deliver(job), { concurrency: 4 });
  }

  async deliver(job: Pick<JobContext<WebhookJob>, 'data' | 'attempt'>): Promise<void> {
    const hook = await this.webhooks.find(job.data.webhookId);
    // Replaced or removed since the event: nobody to tell.
    if (hook === null) return;
    const result = await this.sender.send({
      url: hook.url,
      secret: hook.secret,
      deliveryId: job.data.deliveryId,
      eventType: job.data.eventType,
      body: job.data.body,
    });
    await this.webhooks.recordDelivery({
      id: randomUUID(),
      webhookId: hook.id,
      environment: hook.environment,
      eventId: job.data.deliveryId,
      eventType: job.data.eventType,
      attempt: job.attempt,
      statusCode: result.statusCode,
      error: result.error,
      at: this.clock.now(),
    });
    if (!result.ok) {
      this.logger.warn({
        msg: 'webhook delivery failed',
        webhookId: hook.id,
        deliveryId: job.data.deliveryId,
        attempt: job.attempt,
        error: result.error,
        retry: result.retry,
      });
      if (result.retry) throw new Error(`webhook delivery failed: ${result.error ?? 'unknown error'}`);
    }
  }
}
