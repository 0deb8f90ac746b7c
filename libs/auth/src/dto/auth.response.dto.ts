import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ROLES, type Role } from '@hotswap/contracts';

export class UserSummaryDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  username: string;

  @ApiProperty({ type: String, nullable: true })
  email: string | null;

  @ApiProperty({ type: String, nullable: true })
  fullName: string | null;

  @ApiProperty({ enum: ROLES, isArray: true })
  roles: Role[];
}

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT access token.' })
  accessToken: string;

  @ApiProperty({ description: 'The access token again, for clients of the original API.' })
  token: string;

  @ApiProperty({ description: 'Opaque; exchange it at /authentication/refresh. Single use.' })
  refreshToken: string;

  @ApiProperty({ format: 'date-time', description: 'When the access token expires.' })
  expiresAt: string;

  @ApiProperty({ enum: ['Bearer'] })
  tokenType: 'Bearer';

  @ApiProperty({ type: UserSummaryDto })
  user: UserSummaryDto;
}

export class UserResponseDto extends UserSummaryDto {
  @ApiProperty()
  disabled: boolean;

  @ApiProperty({ description: 'Consecutive failed logins counting towards a lockout.' })
  failedLoginCount: number;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lockedUntil: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastLoginAt: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt: string;
}

export class UserPageResponseDto {
  @ApiProperty({ type: [UserResponseDto] })
  items: UserResponseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class ApiTokenResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty()
  name: string;

  @ApiProperty({ format: 'uuid' })
  ownerId: string;

  @ApiProperty({ enum: ROLES, isArray: true })
  roles: Role[];

  @ApiProperty({ description: 'First characters of the value, to tell tokens apart.' })
  prefix: string;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastUsedAt: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revokedAt: string | null;
}

export class CreatedApiTokenResponseDto extends ApiTokenResponseDto {
  @ApiProperty({ description: 'The token value (`hs_…`). Shown only in this response.' })
  token: string;
}

export class ApiTokenPageResponseDto {
  @ApiProperty({ type: [ApiTokenResponseDto] })
  items: ApiTokenResponseDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class JwksResponseDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'Public keys (ES256) that verify access tokens; empty when only HS256 is in use.',
  })
  keys: Record<string, unknown>[];
}

export class MeResponseDto extends UserSummaryDto {
  @ApiPropertyOptional({ enum: ['user', 'apiToken'] })
  kind?: 'user' | 'apiToken';
}
