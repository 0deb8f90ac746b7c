import { ApiProperty } from '@nestjs/swagger';
import type { AuditRecordEntity } from '../entities/audit-record.entity';

export class AuditRecordResponseDto {
  @ApiProperty({ description: 'The record id (insertion order).', example: '42' })
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

  @ApiProperty({
    description: 'sha256(canonical record), hex (null on records written before sealing existed).',
    type: String,
    nullable: true,
  })
  contentHash: string | null;

  @ApiProperty({
    description: 'Position in the hash chain, in sealing order; null until sealed.',
    type: String,
    nullable: true,
    example: '42',
  })
  chainPosition: string | null;

  @ApiProperty({
    description: 'The hash of the record sealed before this one, hex; null until sealed.',
    type: String,
    nullable: true,
  })
  previousHash: string | null;

  @ApiProperty({
    description: 'sha256(previousHash || canonical record), hex; null until sealed.',
    type: String,
    nullable: true,
  })
  hash: string | null;

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
      contentHash: entity.contentHash,
      chainPosition: entity.chainPosition,
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

  @ApiProperty({ description: 'How many sealed records were checked, in chain order.' })
  checked: number;

  @ApiProperty({
    description: 'How many committed records are not sealed into the chain yet (sealing is asynchronous).',
  })
  unsealed: number;

  @ApiProperty({ required: false, description: 'The first record that does not fit the chain.' })
  firstBrokenId?: string;
}
