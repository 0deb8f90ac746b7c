import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { STRATEGY_NAMES } from '../ports';

export const MODULE_NAME_RULE = /^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/;

/** `POST /deployments` and `POST /deployments/plan` (deployments spec §1). */
export class CreateDeploymentDto {
  @ApiProperty({ example: 'payment-processor', pattern: MODULE_NAME_RULE.source })
  @IsString()
  @Matches(MODULE_NAME_RULE, {
    message:
      'moduleName must be 3–64 lowercase letters, digits or hyphens, starting and ending with a letter or digit',
  })
  moduleName: string;

  @ApiProperty({ example: '2.1.0', description: 'SemVer 2.0 (pre-releases such as 1.0.0-beta.2 are valid)' })
  @IsString()
  @MaxLength(256)
  version: string;

  @ApiProperty({ example: 'Production', description: 'An existing environment, case-insensitive' })
  @IsString()
  @MaxLength(64)
  @Matches(/\D/, { message: 'targetEnvironment must be an environment name, not a number' })
  targetEnvironment: string;

  @ApiPropertyOptional({ enum: STRATEGY_NAMES, description: "Default: each environment's own strategy" })
  @IsOptional()
  @IsIn(STRATEGY_NAMES, { message: `strategy must be one of ${STRATEGY_NAMES.join(', ')}` })
  strategy?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Strategy parameters (deployments spec §4)',
  })
  @IsOptional()
  @IsObject()
  strategyParams?: Record<string, unknown>;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: '≤ 50 entries; key 1–100, value ≤ 500 characters',
  })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ enum: ['full', 'target-only'], default: 'full' })
  @IsOptional()
  @IsIn(['full', 'target-only'])
  promotion?: 'full' | 'target-only';

  @ApiPropertyOptional({
    description: 'Accepted for compatibility and ignored: the requester is the caller.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  requesterEmail?: string;
}
