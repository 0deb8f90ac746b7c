import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';
import { CANARY_THRESHOLD_LIMITS, ROLES } from '@hotswap/contracts';
import { PresentOrAbsent } from '@hotswap/http';
import {
  ENVIRONMENT_NAME_MESSAGE,
  ENVIRONMENT_NAME_PATTERN,
  STRATEGY_NAMES,
  type StrategyName,
} from '../environment-policy';

export class EnvironmentNameParams {
  @ApiProperty({ example: 'Production', description: 'Case-insensitive.' })
  @IsString()
  @MaxLength(64)
  name: string;
}

class DirectDefaultsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000 })
  @PresentOrAbsent()
  @IsInt()
  @Min(1)
  @Max(1000)
  parallelism?: number;

  @RetainPreviousSeconds()
  retainPreviousSeconds?: number;
}

/** `retainPreviousSeconds` of the strategies that install (Direct, Rolling, Canary), with their bounds. */
function RetainPreviousSeconds(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      minimum: 0,
      maximum: 86400,
      description:
        'How long a node keeps the version an install replaced loaded (instant rollback); default 300.',
    }),
    PresentOrAbsent(),
    IsInt(),
    Min(0),
    Max(86_400),
  );
}

/** Each element greater than the one before (canary steps are cumulative percentages). */
function IsIncreasing(): PropertyDecorator {
  return ValidateBy({
    name: 'isIncreasing',
    validator: {
      validate: (value: unknown) =>
        Array.isArray(value) && value.every((v, i) => i === 0 || (v as number) > (value[i - 1] as number)),
      defaultMessage: () => '$property must be increasing percentages',
    },
  });
}

// The bounds below are the strategies' own (libs/deployments parses these defaults with every
// deployment to or through the environment): a default they would refuse is refused here, not with
// every later deployment.

class RollingDefaultsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 10000 })
  @PresentOrAbsent()
  @IsInt()
  @Min(1)
  @Max(10_000)
  batchSize?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 3600 })
  @PresentOrAbsent()
  @IsInt()
  @Min(0)
  @Max(3_600)
  healthCheckDelaySeconds?: number;

  @RetainPreviousSeconds()
  retainPreviousSeconds?: number;
}

class BlueGreenDefaultsDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 86400 })
  @PresentOrAbsent()
  @IsInt()
  @Min(1)
  @Max(86_400)
  smokeTestTimeoutSeconds?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 86400 })
  @PresentOrAbsent()
  @IsInt()
  @Min(0)
  @Max(86_400)
  scaleDownDelaySeconds?: number;
}

/** Canary thresholds, each an optional percent increase within CANARY_THRESHOLD_LIMITS. */
class CanaryThresholdsDto {
  @ApiPropertyOptional({ minimum: 0, maximum: CANARY_THRESHOLD_LIMITS.errorRate })
  @PresentOrAbsent()
  @IsNumber()
  @Min(0)
  @Max(CANARY_THRESHOLD_LIMITS.errorRate)
  errorRate?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: CANARY_THRESHOLD_LIMITS.latencyP95Ms })
  @PresentOrAbsent()
  @IsNumber()
  @Min(0)
  @Max(CANARY_THRESHOLD_LIMITS.latencyP95Ms)
  latencyP95Ms?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: CANARY_THRESHOLD_LIMITS.cpuPercent })
  @PresentOrAbsent()
  @IsNumber()
  @Min(0)
  @Max(CANARY_THRESHOLD_LIMITS.cpuPercent)
  cpuPercent?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: CANARY_THRESHOLD_LIMITS.memoryPercent })
  @PresentOrAbsent()
  @IsNumber()
  @Min(0)
  @Max(CANARY_THRESHOLD_LIMITS.memoryPercent)
  memoryPercent?: number;
}

class CanaryDefaultsDto {
  @ApiPropertyOptional({ type: [Number], example: [10, 30, 50, 100], description: 'Cumulative percentages.' })
  @PresentOrAbsent()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(100, { each: true })
  @IsIncreasing()
  steps?: number[];

  @ApiPropertyOptional({ minimum: 0, maximum: 86400 })
  @PresentOrAbsent()
  @IsInt()
  @Min(0)
  @Max(86_400)
  stepWaitSeconds?: number;

  @RetainPreviousSeconds()
  retainPreviousSeconds?: number;

  @ApiPropertyOptional({
    type: CanaryThresholdsDto,
    description: "The environment's default analysis thresholds (percent increase over the baseline)",
  })
  @PresentOrAbsent()
  @IsObject()
  @ValidateNested()
  @Type(() => CanaryThresholdsDto)
  thresholds?: CanaryThresholdsDto;

  @ApiPropertyOptional({
    type: CanaryThresholdsDto,
    description:
      "How far a deployment's own thresholds may go; the environment's thresholds stay within them",
  })
  @PresentOrAbsent()
  @IsObject()
  @ValidateNested()
  @Type(() => CanaryThresholdsDto)
  thresholdBounds?: CanaryThresholdsDto;
}

export class StrategyDefaultsDto {
  @ApiPropertyOptional({ type: DirectDefaultsDto })
  @PresentOrAbsent()
  @ValidateNested()
  @Type(() => DirectDefaultsDto)
  Direct?: DirectDefaultsDto;

  @ApiPropertyOptional({ type: RollingDefaultsDto })
  @PresentOrAbsent()
  @ValidateNested()
  @Type(() => RollingDefaultsDto)
  Rolling?: RollingDefaultsDto;

  @ApiPropertyOptional({ type: BlueGreenDefaultsDto })
  @PresentOrAbsent()
  @ValidateNested()
  @Type(() => BlueGreenDefaultsDto)
  BlueGreen?: BlueGreenDefaultsDto;

  @ApiPropertyOptional({ type: CanaryDefaultsDto })
  @PresentOrAbsent()
  @ValidateNested()
  @Type(() => CanaryDefaultsDto)
  Canary?: CanaryDefaultsDto;
}

export class ApprovalPolicyPatchDto {
  @ApiPropertyOptional()
  @PresentOrAbsent()
  @IsBoolean()
  required?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 10 })
  @PresentOrAbsent()
  @IsInt()
  @Min(1)
  @Max(10)
  quorum?: number;

  @ApiPropertyOptional({ minimum: 60, maximum: 2592000 })
  @PresentOrAbsent()
  @IsInt()
  @Min(60)
  @Max(30 * 86_400)
  timeoutSeconds?: number;

  @ApiPropertyOptional({ type: [String], enum: ROLES })
  @PresentOrAbsent()
  @IsArray()
  @ArrayMinSize(1)
  @IsIn(ROLES, { each: true })
  approverRoles?: string[];

  @ApiPropertyOptional()
  @PresentOrAbsent()
  @IsBoolean()
  requesterMayApprove?: boolean;

  @ApiPropertyOptional({
    description:
      'Manual rollbacks into the environment wait for the same approval (default false: they skip the gate).',
  })
  @PresentOrAbsent()
  @IsBoolean()
  appliesToRollbacks?: boolean;
}

export class ApprovalPolicyDto {
  @ApiProperty() required: boolean;
  @ApiProperty() quorum: number;
  @ApiProperty() timeoutSeconds: number;
  @ApiProperty({ type: [String] }) approverRoles: string[];
  @ApiProperty() requesterMayApprove: boolean;
  @ApiProperty({ description: 'Manual rollbacks into the environment wait for the same approval.' })
  appliesToRollbacks: boolean;
}

export class UpdateEnvironmentDto {
  @ApiPropertyOptional({ enum: STRATEGY_NAMES })
  @PresentOrAbsent()
  @IsIn(STRATEGY_NAMES)
  defaultStrategy?: StrategyName;

  @ApiPropertyOptional({
    type: StrategyDefaultsDto,
    description: 'Merged per strategy into the current defaults.',
  })
  @PresentOrAbsent()
  @IsObject()
  @ValidateNested()
  @Type(() => StrategyDefaultsDto)
  strategyDefaults?: StrategyDefaultsDto;

  @ApiPropertyOptional({ type: ApprovalPolicyPatchDto, description: 'Merged into the current policy.' })
  @PresentOrAbsent()
  @IsObject()
  @ValidateNested()
  @Type(() => ApprovalPolicyPatchDto)
  approvalPolicy?: ApprovalPolicyPatchDto;

  @ApiPropertyOptional()
  @PresentOrAbsent()
  @IsBoolean()
  requireSignedModules?: boolean;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000 })
  @PresentOrAbsent()
  @IsInt()
  @Min(1)
  @Max(1000)
  maxConcurrentDeployments?: number;
}

export class CreateEnvironmentDto extends UpdateEnvironmentDto {
  @ApiProperty({ example: 'Canary-EU', description: ENVIRONMENT_NAME_MESSAGE })
  @IsString()
  @Matches(ENVIRONMENT_NAME_PATTERN, { message: `name ${ENVIRONMENT_NAME_MESSAGE}` })
  name: string;

  @ApiProperty({ minimum: 1, maximum: 100000, description: 'Promotion order (lower first); unique.' })
  @IsInt()
  @Min(1)
  @Max(100_000)
  rank: number;
}

export class FreezeDto {
  @ApiProperty({ maxLength: 1000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason: string;
}

export class EnvironmentResponseDto {
  @ApiProperty() name: string;
  @ApiProperty() rank: number;
  @ApiProperty({ enum: STRATEGY_NAMES }) defaultStrategy: StrategyName;
  @ApiProperty({ type: StrategyDefaultsDto }) strategyDefaults: StrategyDefaultsDto;
  @ApiProperty({ type: ApprovalPolicyDto }) approvalPolicy: ApprovalPolicyDto;
  @ApiProperty() requireSignedModules: boolean;
  @ApiProperty() maxConcurrentDeployments: number;
  @ApiProperty() frozen: boolean;
  @ApiPropertyOptional({ type: String }) frozenReason?: string;
  @ApiPropertyOptional({ type: String }) frozenBy?: string;
  @ApiPropertyOptional({ type: String, format: 'date-time' }) frozenAt?: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: String, format: 'date-time' }) updatedAt: string;
}
