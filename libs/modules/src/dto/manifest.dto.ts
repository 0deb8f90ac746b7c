import { Type } from 'class-transformer';
import {
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { MODULE_NAME_MESSAGE, MODULE_NAME_PATTERN } from '../module-name';

export class ResourcesDto {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(65_536)
  memoryMb?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(256)
  cpuCores?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(1_048_576)
  diskMb?: number;
}

/** The uploaded manifest (docs/module-format.md). Unknown members are refused. */
export class ManifestDto {
  @IsOptional()
  @IsString()
  @Matches(MODULE_NAME_PATTERN, { message: `name ${MODULE_NAME_MESSAGE}` })
  name?: string;

  @IsString()
  @MaxLength(256)
  version: string;

  @IsOptional()
  @IsString()
  @MaxLength(1000)
  description?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  author?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w./-]+\.c?js$/, {
    message: 'entry must be a relative path to a .js file inside the bundle',
  })
  entry?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => ResourcesDto)
  resources?: ResourcesDto;

  @IsOptional()
  @IsObject()
  dependencies?: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}
