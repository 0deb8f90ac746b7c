import { ApiProperty } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';

export class DependencyQueryDto {
  @ApiProperty({ example: 'Production' })
  @IsString()
  @MaxLength(64)
  environment: string;
}

export class DependencyStatusDto {
  @ApiProperty({ example: 'payment-processor' }) name: string;
  @ApiProperty({ example: '^2.0.0' }) range: string;
  @ApiProperty({ type: [String], description: 'Distinct versions running in the environment' })
  runningVersions: string[];
  @ApiProperty({ description: 'Nodes of the environment' }) nodes: number;
  @ApiProperty({ description: 'Nodes running a version that satisfies the range' }) satisfyingNodes: number;
  @ApiProperty({ enum: ['satisfied', 'unsatisfied', 'missing'] }) status:
    'satisfied' | 'unsatisfied' | 'missing';
  @ApiProperty() satisfied: boolean;
}

export class DependencyReportDto {
  @ApiProperty() name: string;
  @ApiProperty() version: string;
  @ApiProperty() environment: string;
  @ApiProperty({ description: 'Every dependency is satisfied on every node' }) satisfied: boolean;
  @ApiProperty({ type: [DependencyStatusDto] }) dependencies: DependencyStatusDto[];
}
