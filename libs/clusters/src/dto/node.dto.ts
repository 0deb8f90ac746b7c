import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsIn,
  IsInt,
  Max,
  Min,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@hotswap/http';
import { MODULE_SLOT_STATES, type ModuleSlotState } from '../module-slots';
import { NODE_KINDS, NODE_STATUSES, type NodeKind, type NodeStatus } from '../node-status';

export class NodeIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsString()
  @MaxLength(64)
  id: string;
}

export class NodeListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Environment name (case-insensitive).' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  environment?: string;

  @ApiPropertyOptional({ enum: NODE_STATUSES })
  @IsOptional()
  @IsIn(NODE_STATUSES)
  status?: NodeStatus;

  @ApiPropertyOptional({ enum: NODE_KINDS })
  @IsOptional()
  @IsIn(NODE_KINDS)
  kind?: NodeKind;

  @ApiPropertyOptional({
    description: '`key=value`; the node must carry that label.',
    example: 'zone=zone-1',
  })
  @IsOptional()
  @Matches(/^[A-Za-z0-9._/-]{1,63}=[^\s]{0,253}$/, { message: 'label must be key=value' })
  label?: string;
}

export class DrainDto {
  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(500)
  reason?: string;
}

export class NodeMetricsDto {
  @ApiProperty() cpuPercent: number;
  @ApiProperty() memoryPercent: number;
  @ApiProperty() latencyP95Ms: number;
  @ApiProperty({ description: 'Percent of failed requests (0–100).' }) errorRate: number;
  @ApiProperty() requestsPerSecond: number;
}

export class NodeModuleDto {
  @ApiProperty() moduleName: string;
  @ApiProperty({ type: String, nullable: true }) activeVersion: string | null;
  @ApiProperty({ type: String, nullable: true }) standbyVersion: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Remembered after it is unloaded too: a rollback to it then loads it again.',
  })
  previousVersion: string | null;
  @ApiProperty({
    description: 'The previous version is still loaded: a rollback to it is an instant switch.',
  })
  previousLoaded: boolean;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description:
      'Until when the loaded previous version is kept (retainPreviousSeconds, or scaleDownDelaySeconds after a Blue-Green switch); the fleet unloads it then. Null when no previous version is loaded.',
  })
  previousRetainedUntil: string | null;
  @ApiProperty({ enum: MODULE_SLOT_STATES }) state: ModuleSlotState;
  @ApiPropertyOptional({ type: String }) lastError?: string;
  @ApiPropertyOptional({ type: String, nullable: true }) desiredActiveVersion?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true }) desiredStandbyVersion?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Agents: the previous version the agent is told to keep loaded.',
  })
  desiredPreviousVersion?: string | null;
}

export class NodeResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Hostname.' }) name: string;
  @ApiProperty() environment: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels: Record<string, string>;
  @ApiProperty({ enum: NODE_KINDS }) kind: NodeKind;
  @ApiProperty({ enum: NODE_STATUSES }) status: NodeStatus;
  @ApiProperty() statusReason: string;
  @ApiProperty({ type: String, format: 'date-time' }) statusChangedAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastHeartbeatAt: string | null;
  @ApiProperty({ type: String, nullable: true }) agentVersion: string | null;
  @ApiProperty({ description: 'The health rule of product spec §3.' }) healthy: boolean;
  @ApiProperty({ type: [String] }) healthReasons: string[];
  @ApiProperty({ type: NodeMetricsDto, nullable: true }) metrics: NodeMetricsDto | null;
  @ApiProperty({ type: [NodeModuleDto] }) modules: NodeModuleDto[];
  @ApiProperty({ type: String, format: 'date-time' }) registeredAt: string;
}

export class NodePageDto extends PageMetaDto {
  @ApiProperty({ type: [NodeResponseDto] }) items: NodeResponseDto[];
}

export class EnrollDto {
  @ApiProperty({ description: 'The enrollment token (it is the credential of this request).' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  token: string;

  @ApiProperty({ description: 'Hostname.', example: 'web-01.eu.example.com' })
  @Matches(/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/, { message: 'name must be a hostname' })
  name: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } })
  @IsOptional()
  @IsObject()
  labels?: Record<string, string>;

  @ApiProperty({ example: '0.1.0' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  agentVersion: string;
}

export class EnrollResponseDto {
  @ApiProperty({ format: 'uuid' }) nodeId: string;
  @ApiProperty({ description: 'Shown once. Send as `Authorization: Bearer …` on the /agent upgrade.' })
  credential: string;
  @ApiProperty() environment: string;
}

export class CreateEnrollmentTokenDto {
  @ApiPropertyOptional({
    minimum: 60,
    maximum: 2592000,
    description: 'Default ENROLLMENT_TOKEN_TTL_SECONDS.',
  })
  @IsOptional()
  @IsInt()
  @Min(60)
  @Max(30 * 86_400)
  ttlSeconds?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  uses?: number;
}

export class EnrollmentTokenResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ description: 'Shown once; only its hash is stored.' }) token: string;
  @ApiProperty() environment: string;
  @ApiProperty({ type: String, format: 'date-time' }) expiresAt: string;
  @ApiProperty() usesLeft: number;
}
