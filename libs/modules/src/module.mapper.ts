import type { ModuleVersionResponseDto } from './dto/module.dto';
import type { SigningKeyResponseDto } from './dto/signing-key.dto';
import type { ModuleVersionEntity } from './entities/module-version.entity';
import type { SigningKeyEntity } from './entities/signing-key.entity';

export function toVersionResponse(row: ModuleVersionEntity): ModuleVersionResponseDto {
  return {
    name: row.moduleName,
    version: row.version,
    sha256: row.sha256,
    size: row.size,
    signed: row.signature !== null,
    ...(row.signingKeyId === null ? {} : { signingKeyId: row.signingKeyId }),
    manifest: row.manifest,
    publishedBy: row.publishedBy,
    publishedAt: row.publishedAt.toISOString(),
    yanked: row.yanked,
    ...(row.yankReason === null ? {} : { yankReason: row.yankReason }),
  };
}

export function toSigningKeyResponse(row: SigningKeyEntity): SigningKeyResponseDto {
  return {
    id: row.id,
    name: row.name,
    algorithm: row.algorithm,
    fingerprint: row.fingerprint,
    publicKey: row.publicKey,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
