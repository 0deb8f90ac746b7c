import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import { WebhookDeliveryEntity } from '../entities/webhook-delivery.entity';
import { WebhookEntity } from '../entities/webhook.entity';

/** Environments' webhooks and the record of their deliveries. */
@Injectable()
export class WebhooksRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  ofEnvironment(environment: string): Promise<WebhookEntity[]> {
    return this.database
      .repository(WebhookEntity)
      .find({ where: { environment }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  find(id: string): Promise<WebhookEntity | null> {
    return this.database.repository(WebhookEntity).findOneBy({ id });
  }

  /** Replaces the environment's webhooks with `rows`. */
  async replace(environment: string, rows: WebhookEntity[]): Promise<void> {
    await this.database.repository(WebhookEntity).delete({ environment });
    if (rows.length > 0) await this.database.repository(WebhookEntity).insert(rows);
  }

  async recordDelivery(row: WebhookDeliveryEntity): Promise<void> {
    await this.database.repository(WebhookDeliveryEntity).insert(row);
  }

  deliveriesOf(environment: string, limit: number): Promise<WebhookDeliveryEntity[]> {
    return this.database
      .repository(WebhookDeliveryEntity)
      .find({ where: { environment }, order: { at: 'DESC', id: 'DESC' }, take: limit });
  }
}
