import { ModuleErrorCode } from '@hotswap/contracts';
import { DomainError } from '@hotswap/http';
import { Inject, Injectable } from '@nestjs/common';
import { ModuleRegistry, signedPayload, SigningKeysService, sha256Hex } from '@hotswap/modules';
import type { CatalogInspection, CatalogVerification, CatalogVersion, ModuleCatalogPort } from '../ports';

/** A version row as the registry returns it. */
type VersionRow = Awaited<ReturnType<ModuleRegistry['getVersion']>>;

/** The module registry as the engine sees it. */
@Injectable()
export class RegistryCatalog implements ModuleCatalogPort {
  constructor(
    @Inject(ModuleRegistry) private readonly registry: ModuleRegistry,
    @Inject(SigningKeysService) private readonly keys: SigningKeysService,
  ) {}

  async find(moduleName: string, version: string): Promise<CatalogVersion | null> {
    try {
      return catalogVersion(await this.registry.getVersion(moduleName, version));
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** The version and its bytes in one read: digest and, when signed, the signature against a trusted, non-revoked key. */
  async inspect(moduleName: string, version: string): Promise<CatalogInspection> {
    let artifact;
    try {
      artifact = await this.registry.artifact(moduleName, version);
    } catch (error) {
      if (!isMissing(error)) throw error;
      return {
        version: null,
        verification: { ok: false, reason: `${moduleName}@${version} is not in the registry` },
      };
    }
    const row = artifact.version;
    return { version: catalogVersion(row), verification: await this.verification(row, artifact.content) };
  }

  private async verification(row: VersionRow, content: Buffer): Promise<CatalogVerification> {
    if (sha256Hex(content) !== row.sha256)
      return { ok: false, reason: 'the stored artifact does not match its sha256 digest' };
    if (row.signature === null || row.signingKeyId === null) return { ok: true, signed: false };
    try {
      await this.keys.verify(
        row.signingKeyId,
        signedPayload(row.sha256, row.manifest),
        Buffer.from(row.signature, 'base64'),
      );
      return { ok: true, signed: true };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }
}

/**
 * The registry's "no such version" (or module): anything else — the database unreachable, say — is
 * not an answer about the version, and goes up (a request fails with a server error, a run is retried)
 * instead of passing for a version that does not exist.
 */
function isMissing(error: unknown): boolean {
  return (
    error instanceof DomainError &&
    (error.code === ModuleErrorCode.VersionNotFound || error.code === ModuleErrorCode.ModuleNotFound)
  );
}

function catalogVersion(row: VersionRow): CatalogVersion {
  const dependencies = row.manifest.dependencies;
  return {
    moduleName: row.moduleName,
    version: row.version,
    yanked: row.yanked,
    sha256: row.sha256,
    signed: row.signature !== null,
    dependencies:
      typeof dependencies === 'object' && dependencies !== null
        ? (dependencies as Record<string, string>)
        : {},
  };
}
