import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDateString, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQueryDto, PresentOrAbsent } from '@hotswap/http';
import { DEPLOYMENT_STATUSES } from '../deployment-state';
import { MODULE_NAME_RULE } from './create-deployment.dto';

export class ListDeploymentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @Matches(MODULE_NAME_RULE, { message: 'module must be a module name' })
  module?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  environment?: string;

  @ApiPropertyOptional({ enum: DEPLOYMENT_STATUSES })
  @IsOptional()
  @IsIn(DEPLOYMENT_STATUSES)
  status?: string;

  @ApiPropertyOptional({ description: 'User name of the requester' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  requestedBy?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after' })
  @IsOptional()
  @IsDateString()
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created before' })
  @IsOptional()
  @IsDateString()
  to?: string;
}

export class RollbackRequestDto {
  @ApiPropertyOptional({ description: 'Restore this retained version instead of what each node ran before' })
  @PresentOrAbsent()
  @IsString()
  @MaxLength(256)
  toVersion?: string;
}
