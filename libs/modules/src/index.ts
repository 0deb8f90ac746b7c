import { ArtifactEntity } from './entities/artifact.entity';
import { ModuleVersionEntity } from './entities/module-version.entity';
import { ModuleEntity } from './entities/module.entity';
import { SigningKeyEntity } from './entities/signing-key.entity';

export { DEMO_KEY_FILE, DEMO_KEY_NAME, DEMO_MODULES, findSamplesDir } from './demo-content';
export { checkManifest, type Manifest } from './manifest';
export { ModuleRegistry, type PublishInput } from './module-registry.service';
export { isModuleName, MODULE_NAME_PATTERN } from './module-name';
export { MODULE_INVENTORY, type ModuleInventory } from './module-inventory.port';
export { ModulesModule } from './modules.module';
export { isSemver, isSemverRange, newestFirst, satisfiesRange } from './semver';
export {
  canonicalJson,
  createModuleSignature,
  parsePublicKey,
  sha256Hex,
  signedPayload,
  SIGNATURE_HEADER,
  verifySignature,
} from './signing';
export { SigningKeysService } from './signing-keys.service';

/** Entities of the module registry, for the application's schema. */
export const MODULE_ENTITIES = [ModuleEntity, ModuleVersionEntity, ArtifactEntity, SigningKeyEntity];
