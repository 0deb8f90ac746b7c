import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength } from 'class-validator';
import { PageMetaDto } from '@hotswap/http';
import { MODULE_NAME_MESSAGE, MODULE_NAME_PATTERN } from '../module-name';

export class ModuleNameParams {
  @ApiProperty({ example: 'payment-processor' })
  @Matches(MODULE_NAME_PATTERN, { message: `name ${MODULE_NAME_MESSAGE}` })
  name: string;
}

export class ModuleVersionParams extends ModuleNameParams {
  @ApiProperty({ example: '2.1.0' })
  @IsString()
  @MaxLength(256)
  version: string;
}

/** Multipart fields of a publish request (the `artifact` file part is read separately). */
export class PublishVersionDto {
  @ApiProperty({ description: 'The manifest as a JSON text (docs/module-format.md).' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(65_536)
  manifest: string;

  @ApiPropertyOptional({ description: 'Detached signature, base64.' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  signature?: string;

  @ApiPropertyOptional({ description: 'Id of the registered signing key that made the signature.' })
  @IsOptional()
  @IsUUID()
  signingKeyId?: string;
}

export class ReasonDto {
  @ApiProperty({ maxLength: 1000 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1000)
  reason: string;
}

export class ModuleVersionResponseDto {
  @ApiProperty() name: string;
  @ApiProperty() version: string;
  @ApiProperty({ description: 'sha256 of the artifact, lowercase hex' }) sha256: string;
  @ApiProperty({ description: 'Artifact size in bytes' }) size: number;
  @ApiProperty() signed: boolean;
  @ApiPropertyOptional({ type: String }) signingKeyId?: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) manifest: Record<string, unknown>;
  @ApiProperty() publishedBy: string;
  @ApiProperty({ type: String, format: 'date-time' }) publishedAt: string;
  @ApiProperty() yanked: boolean;
  @ApiPropertyOptional({ type: String }) yankReason?: string;
}

export class ModuleSummaryDto {
  @ApiProperty() name: string;
  @ApiPropertyOptional({ type: String }) description?: string;
  @ApiProperty() versionCount: number;
  @ApiPropertyOptional({ type: String, description: 'Newest version by SemVer precedence' })
  latestVersion?: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
}

export class ModuleDetailDto extends ModuleSummaryDto {
  @ApiProperty({ type: [ModuleVersionResponseDto], description: 'Newest first' })
  versions: ModuleVersionResponseDto[];
}

export class ModulePageDto extends PageMetaDto {
  @ApiProperty({ type: [ModuleSummaryDto] }) items: ModuleSummaryDto[];
}

export class ModuleVersionPageDto extends PageMetaDto {
  @ApiProperty({ type: [ModuleVersionResponseDto] }) items: ModuleVersionResponseDto[];
}
