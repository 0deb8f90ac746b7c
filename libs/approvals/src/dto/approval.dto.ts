import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageMetaDto, PageQueryDto } from '@hotswap/http';
import { APPROVAL_STATUSES } from '../approval-state';

export class ApproveDto {
  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  reason?: string;
}

export class RejectDto {
  @ApiProperty({ maxLength: 1000, description: 'Why: required, shown in the deployment stage message.' })
  @IsString({ message: 'reason is required to reject' })
  @Matches(/\S/, { message: 'reason must not be empty' })
  @MaxLength(1000)
  reason: string;
}

export class ListApprovalsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: APPROVAL_STATUSES })
  @IsOptional()
  @IsIn(APPROVAL_STATUSES)
  status?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  environment?: string;
}

export class ApprovalDecisionDto {
  @ApiProperty() by: string;
  @ApiProperty({ enum: ['approved', 'rejected'] }) decision: string;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ format: 'date-time' }) at: string;
}

export class ApprovalResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) deploymentId: string;
  @ApiProperty() environment: string;
  @ApiProperty() moduleName: string;
  @ApiProperty() version: string;
  @ApiProperty() requestedBy: string;
  @ApiProperty({ enum: APPROVAL_STATUSES }) status: string;
  @ApiProperty() quorum: number;
  @ApiProperty({ description: 'Distinct users who approved.' }) approvals: number;
  @ApiProperty({ type: [String] }) approverRoles: string[];
  @ApiProperty() requesterMayApprove: boolean;
  @ApiProperty() timeoutSeconds: number;
  @ApiProperty({ format: 'date-time' }) requestedAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'For an open gate: `2d 3h`, `5h 30m`, `45m`, `<1m` or `Expired`; null once closed.',
  })
  timeRemaining: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) closedAt: string | null;
  @ApiProperty({ type: String, nullable: true }) closedBy: string | null;
  @ApiProperty({ type: String, nullable: true }) closeReason: string | null;
  @ApiProperty({ type: [ApprovalDecisionDto] }) decisions: ApprovalDecisionDto[];
}

export class ApprovalListDto {
  @ApiProperty({ type: [ApprovalResponseDto] }) items: ApprovalResponseDto[];
}

export class ApprovalPageDto extends PageMetaDto {
  @ApiProperty({ type: [ApprovalResponseDto] }) items: ApprovalResponseDto[];
}
