import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EVENT_TYPES } from '@hotswap/contracts';

export class EventDto {
  @ApiProperty({
    description: 'Global position in the log (a decimal bigint, as a string).',
    example: '1234567891',
  })
  seq: string;

  @ApiProperty({ enum: EVENT_TYPES })
  type: string;

  @ApiProperty({ format: 'date-time' })
  at: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'The subject ids (deploymentId, environment, nodeId, moduleName) and the payload of the type.',
  })
  data: Record<string, unknown>;
}

export class EventPageDto {
  @ApiProperty({ type: [EventDto] })
  items: EventDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `since` for the next page; null when this page reached the present.',
  })
  nextSince: string | null;
}

export class StreamTicketDto {
  @ApiProperty({ description: 'Pass as `?ticket=` (SSE) or in the WebSocket `auth` message; single use.' })
  ticket: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;
}

export class EventHistoryQueryDoc {
  @ApiPropertyOptional({ description: 'Only events after this seq (default: from the oldest retained).' })
  since?: string;

  @ApiPropertyOptional({ description: 'Comma-separated types or families, e.g. `deployment.*,approval.*`.' })
  types?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  limit?: number;
}
