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
    } catch {
      return null;
    }
  }

  /** The version and its bytes in one read: digest and, when signed, the signature against a trusted, non-revoked key. */
  async inspect(moduleName: string, version: string): Promise<CatalogInspection> {
    let artifact;
    try {
      artifact = await this.registry.artifact(moduleName, version);
    } catch {
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
