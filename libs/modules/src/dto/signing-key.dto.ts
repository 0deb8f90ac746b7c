import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsString, IsUUID, Matches, MaxLength } from 'class-validator';

export class RegisterSigningKeyDto {
  @ApiProperty({ maxLength: 100, example: 'release-2026' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, {
    message: 'name must be 1–100 letters, digits, dots, underscores or hyphens',
  })
  name: string;

  @ApiProperty({ description: 'PEM-encoded SubjectPublicKeyInfo (Ed25519, ECDSA P-256, or RSA ≥ 2048 bits)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(16_384)
  publicKey: string;
}

export class SigningKeyIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  id: string;
}

export class SigningKeyResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['Ed25519', 'ECDSA-P256-SHA256', 'RSA-SHA256'] }) algorithm: string;
  @ApiProperty({ example: 'SHA256:3q2+7w...' }) fingerprint: string;
  @ApiProperty() publicKey: string;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: string;
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true }) revokedAt: string | null;
}
