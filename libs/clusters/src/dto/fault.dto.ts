import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';

const IsFailInstall = () =>
  ValidateBy({
    name: 'isFailInstall',
    validator: {
      validate: (v: unknown) =>
        v === 'all' ||
        (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 10_000) ||
        (Array.isArray(v) &&
          v.length >= 1 &&
          v.length <= 10_000 &&
          v.every((s) => typeof s === 'string' && s.length >= 1 && s.length <= 253)),
      defaultMessage: () => 'failInstall must be "all", a count (1–10000) or a list of node names',
    },
  });

export class FaultProfileDto {
  @ApiProperty({ example: 'payment-processor' })
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$/, { message: 'moduleName must be a module name' })
  moduleName: string;

  @ApiProperty({ example: '2.1.0' })
  @IsString()
  @MaxLength(256)
  version: string;

  @ApiPropertyOptional({
    oneOf: [
      { type: 'string', enum: ['all'] },
      { type: 'integer', minimum: 1 },
      { type: 'array', items: { type: 'string' } },
    ],
    description: '"all", the first N nodes that try, or these node names.',
  })
  @IsOptional()
  @IsFailInstall()
  failInstall?: 'all' | number | string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  unhealthyAfterInstall?: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: 1000 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1000)
  errorRateMultiplier?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 1000 })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(1000)
  latencyMultiplier?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100,
    description: 'Relative change of cpu (1.4 = +40 %), applied before cpuDelta.',
  })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100)
  cpuMultiplier?: number;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100,
    description: 'Relative change of memory (1.41 = +41 %), applied before memoryDelta.',
  })
  @IsOptional()
  @IsNumber()
  @Min(0)
  @Max(100)
  memoryMultiplier?: number;

  @ApiPropertyOptional({ minimum: -100, maximum: 100, description: 'Percentage points.' })
  @IsOptional()
  @IsNumber()
  @Min(-100)
  @Max(100)
  cpuDelta?: number;

  @ApiPropertyOptional({ minimum: -100, maximum: 100, description: 'Percentage points.' })
  @IsOptional()
  @IsNumber()
  @Min(-100)
  @Max(100)
  memoryDelta?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 600000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(600_000)
  installDelayMs?: number;
}

export class FaultSetDto {
  @ApiProperty({ type: [FaultProfileDto] })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => FaultProfileDto)
  faults: FaultProfileDto[];
}
