import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { APPROVAL_EVENT_TYPES } from '../webhooks/webhook-notifier';

export const MAX_WEBHOOKS_PER_ENVIRONMENT = 10;

export class EnvironmentWebhooksParams {
  @ApiProperty()
  @Matches(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, { message: 'name must be an environment name' })
  name: string;
}

export class WebhookInputDto {
  @ApiProperty({ maxLength: 2048, example: 'https://hooks.example.com/hotswap' })
  @IsString()
  @MaxLength(2048)
  url: string;

  @ApiProperty({
    minLength: 16,
    maxLength: 256,
    description: 'HMAC-SHA256 key of the signature header (write-only).',
  })
  @IsString()
  @MinLength(16)
  @MaxLength(256)
  secret: string;

  @ApiPropertyOptional({ type: [String], enum: APPROVAL_EVENT_TYPES, description: 'Default: all three.' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(APPROVAL_EVENT_TYPES, { each: true })
  events?: string[];
}

export class PutWebhooksDto {
  @ApiProperty({ type: [WebhookInputDto], maxItems: MAX_WEBHOOKS_PER_ENVIRONMENT })
  @IsArray()
  @ArrayMaxSize(MAX_WEBHOOKS_PER_ENVIRONMENT)
  @ValidateNested({ each: true })
  @Type(() => WebhookInputDto)
  webhooks: WebhookInputDto[];
}

export class WebhookResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty({ type: [String] }) events: string[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) webhookId: string;
  @ApiProperty({ format: 'uuid', description: 'The X-HotSwap-Delivery id (the same on every attempt).' })
  deliveryId: string;
  @ApiProperty() eventType: string;
  @ApiProperty() attempt: number;
  @ApiProperty({ type: Number, nullable: true }) statusCode: number | null;
  @ApiProperty({ type: String, nullable: true }) error: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class EnvironmentWebhooksDto {
  @ApiProperty() environment: string;
  @ApiProperty({ type: [WebhookResponseDto] }) webhooks: WebhookResponseDto[];
  @ApiProperty({ type: [WebhookDeliveryDto], description: 'The latest delivery attempts, newest first.' })
  recentDeliveries: WebhookDeliveryDto[];
}
