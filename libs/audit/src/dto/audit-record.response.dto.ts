import { ApiProperty } from '@nestjs/swagger';
import type { AuditRecordEntity } from '../entities/audit-record.entity';

export class AuditRecordResponseDto {
  @ApiProperty({ description: 'Position in the hash chain.', example: '42' })
  id: string;

  @ApiProperty({ format: 'date-time' })
  occurredAt: string;

  @ApiProperty({ example: 'authentication' })
  category: string;

  @ApiProperty({ example: 'auth.login' })
  action: string;

  @ApiProperty({ enum: ['success', 'failure'] })
  result: string;

  @ApiProperty({ type: String, nullable: true })
  actorId: string | null;

  @ApiProperty({ type: String, nullable: true, enum: ['user', 'apiToken', 'system', 'anonymous'] })
  actorKind: string | null;

  @ApiProperty({ type: String, nullable: true })
  actorName: string | null;

  @ApiProperty({ type: String, nullable: true })
  resourceType: string | null;

  @ApiProperty({ type: String, nullable: true })
  resourceId: string | null;

  @ApiProperty({ type: String, nullable: true })
  ip: string | null;

  @ApiProperty({ type: String, nullable: true })
  userAgent: string | null;

  @ApiProperty({ type: String, nullable: true })
  traceId: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  details: Record<string, unknown>;

  @ApiProperty({ description: 'sha256 of the previous record, hex.' })
  previousHash: string;

  @ApiProperty({ description: 'sha256(previousHash || canonical record), hex.' })
  hash: string;

  static from(entity: AuditRecordEntity): AuditRecordResponseDto {
    return {
      id: entity.seq,
      occurredAt: entity.occurredAt.toISOString(),
      category: entity.category,
      action: entity.action,
      result: entity.result,
      actorId: entity.actorId,
      actorKind: entity.actorKind,
      actorName: entity.actorName,
      resourceType: entity.resourceType,
      resourceId: entity.resourceId,
      ip: entity.ip,
      userAgent: entity.userAgent,
      traceId: entity.traceId,
      details: entity.details,
      previousHash: entity.previousHash,
      hash: entity.hash,
    };
  }
}

export class AuditPageResponseDto {
  @ApiProperty({ type: [AuditRecordResponseDto] })
  items: AuditRecordResponseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class AuditVerificationResponseDto {
  @ApiProperty()
  intact: boolean;

  @ApiProperty({ description: 'How many records were checked.' })
  checked: number;

  @ApiProperty({ required: false, description: 'The first record that does not fit the chain.' })
  firstBrokenId?: string;
}
