import { Inject, Injectable } from '@nestjs/common';
import { ModuleRegistry, signedPayload, SigningKeysService, sha256Hex } from '@hotswap/modules';
import type { CatalogVersion, ModuleCatalogPort } from '../ports';

/** The module registry as the engine sees it. */
@Injectable()
export class RegistryCatalog implements ModuleCatalogPort {
  constructor(
    @Inject(ModuleRegistry) private readonly registry: ModuleRegistry,
    @Inject(SigningKeysService) private readonly keys: SigningKeysService,
  ) {}

  async find(moduleName: string, version: string): Promise<CatalogVersion | null> {
    try {
      const row = await this.registry.getVersion(moduleName, version);
      const dependencies = row.manifest.dependencies;
      return {
        moduleName,
        version,
        yanked: row.yanked,
        sha256: row.sha256,
        signed: row.signature !== null,
        dependencies:
          typeof dependencies === 'object' && dependencies !== null
            ? (dependencies as Record<string, string>)
            : {},
      };
    } catch {
      return null;
    }
  }

  /** Digest of the stored bytes and, when signed, the signature against a trusted, non-revoked key. */
  async verify(
    moduleName: string,
    version: string,
  ): Promise<{ ok: true; signed: boolean } | { ok: false; reason: string }> {
    let artifact;
    try {
      artifact = await this.registry.artifact(moduleName, version);
    } catch {
      return { ok: false, reason: `${moduleName}@${version} is not in the registry` };
    }
    const row = artifact.version;
    if (sha256Hex(artifact.content) !== row.sha256)
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
