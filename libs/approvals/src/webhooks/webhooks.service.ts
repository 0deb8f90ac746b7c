import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { actorOf, AuditService } from '@hotswap/audit';
import { EnvironmentsService } from '@hotswap/clusters';
import { AppConfig } from '@hotswap/config';
import { Clock, type FieldError, type Principal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import { RequestValidationError } from '@hotswap/http';
import type { EnvironmentWebhooksDto, PutWebhooksDto } from '../dto/webhook.dto';
import type { WebhookEntity } from '../entities/webhook.entity';
import { APPROVAL_EVENT_TYPES } from './webhook-notifier';
import { parseWebhookUrl, resolveTarget } from './webhook-target';
import { WebhooksRepository } from './webhooks.repository';

const RECENT_DELIVERIES = 50;

/** Per-environment webhooks (Admin): replaced as a set, targets checked on their resolved addresses. */
@Injectable()
export class WebhooksService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(WebhooksRepository) private readonly webhooks: WebhooksRepository,
    @Inject(EnvironmentsService) private readonly environments: EnvironmentsService,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(AppConfig) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  async get(name: string): Promise<EnvironmentWebhooksDto> {
    const env = await this.environments.get(name);
    return this.view(env.name);
  }

  async replace(name: string, body: PutWebhooksDto, principal: Principal): Promise<EnvironmentWebhooksDto> {
    const env = await this.environments.get(name);
    const allowPrivate = this.config.approvals.webhooks.allowPrivateTargets;
    const errors: FieldError[] = [];
    await Promise.all(
      body.webhooks.map(async (hook, i) => {
        try {
          await resolveTarget(parseWebhookUrl(hook.url), allowPrivate);
        } catch (error) {
          errors.push({
            field: `webhooks.${i}.url`,
            message: error instanceof Error ? error.message : String(error),
          });
        }
      }),
    );
    if (errors.length > 0)
      throw new RequestValidationError(errors.sort((a, b) => a.field.localeCompare(b.field)));
    const now = this.clock.now();
    const rows: WebhookEntity[] = body.webhooks.map((hook) => ({
      id: randomUUID(),
      environment: env.name,
      url: hook.url,
      secret: hook.secret,
      events: [...new Set(hook.events ?? APPROVAL_EVENT_TYPES)],
      createdAt: now,
    }));
    await this.database.transaction(async () => {
      await this.webhooks.replace(env.name, rows);
      await this.audit.record({
        category: 'approvals',
        action: 'webhooks.update',
        result: 'success',
        actor: actorOf(principal),
        resource: { type: 'environment', id: env.name },
        details: { webhooks: rows.map((r) => ({ id: r.id, url: r.url, events: r.events })) },
      });
    });
    return this.view(env.name);
  }

  private async view(environment: string): Promise<EnvironmentWebhooksDto> {
    const [hooks, deliveries] = await Promise.all([
      this.webhooks.ofEnvironment(environment),
      this.webhooks.deliveriesOf(environment, RECENT_DELIVERIES),
    ]);
    return {
      environment,
      webhooks: hooks.map((h) => ({
        id: h.id,
        url: h.url,
        events: [...h.events],
        createdAt: h.createdAt.toISOString(),
      })),
      recentDeliveries: deliveries.map((d) => ({
        webhookId: d.webhookId,
        deliveryId: d.eventId,
        eventType: d.eventType,
        attempt: d.attempt,
        statusCode: d.statusCode,
        error: d.error,
        at: d.at.toISOString(),
      })),
    };
  }
}
