import type { FieldError } from '@hotswap/contracts';
import { exceedsDepth, flattenValidationErrors, JSON_MAX_DEPTH } from '@hotswap/http';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ManifestDto } from './dto/manifest.dto';
import { isModuleName, MODULE_NAME_MESSAGE } from './module-name';
import { isSemver, isSemverRange, SEMVER_MESSAGE } from './semver';

export const MAX_DEPENDENCIES = 50;

export interface Manifest {
  readonly name?: string;
  readonly version: string;
  readonly description?: string;
  readonly author?: string;
  readonly entry?: string;
  readonly resources?: { memoryMb?: number; cpuCores?: number; diskMb?: number };
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly config?: Readonly<Record<string, unknown>>;
}

export type ManifestCheck =
  | { readonly ok: true; readonly manifest: Manifest; readonly raw: Record<string, unknown> }
  | { readonly ok: false; readonly errors: FieldError[] };

const prefixed = (field: string) => `manifest.${field}`;

/** Parses and validates a manifest text for module `moduleName`; every problem is listed. */
export async function checkManifest(text: string, moduleName: string): Promise<ManifestCheck> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, errors: [{ field: 'manifest', message: 'manifest must be a JSON text' }] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, errors: [{ field: 'manifest', message: 'manifest must be a JSON object' }] };
  }
  // The manifest is JSON inside a multipart field, so the JSON body's depth limit never saw it.
  if (exceedsDepth(raw, JSON_MAX_DEPTH)) {
    return {
      ok: false,
      errors: [{ field: 'manifest', message: `manifest must not nest deeper than ${JSON_MAX_DEPTH} levels` }],
    };
  }
  const dto = plainToInstance(ManifestDto, raw);
  const errors = flattenValidationErrors(
    await validate(dto, { whitelist: true, forbidNonWhitelisted: true, validationError: { target: false } }),
    'manifest',
  );
  if (typeof dto.version === 'string' && !isSemver(dto.version)) {
    errors.push({ field: prefixed('version'), message: `version ${SEMVER_MESSAGE}` });
  }
  if (typeof dto.name === 'string' && dto.name !== moduleName) {
    errors.push({
      field: prefixed('name'),
      message: `name must equal the module in the path ('${moduleName}')`,
    });
  }
  const dependencies: Record<string, string> = {};
  if (
    dto.dependencies !== undefined &&
    typeof dto.dependencies === 'object' &&
    !Array.isArray(dto.dependencies)
  ) {
    const entries = Object.entries(dto.dependencies);
    if (entries.length > MAX_DEPENDENCIES) {
      errors.push({ field: prefixed('dependencies'), message: `at most ${MAX_DEPENDENCIES} dependencies` });
    }
    for (const [dependency, range] of entries) {
      const field = prefixed(`dependencies.${dependency}`);
      if (!isModuleName(dependency))
        errors.push({ field, message: `a dependency name ${MODULE_NAME_MESSAGE}` });
      else if (dependency === moduleName) errors.push({ field, message: 'a module cannot depend on itself' });
      if (typeof range !== 'string' || !isSemverRange(range)) {
        errors.push({ field, message: 'must be a SemVer range such as ^2.0.0 or >=1.2.0 <2.0.0' });
      } else {
        dependencies[dependency] = range;
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  const manifest: Manifest = {
    ...(dto as unknown as Manifest),
    ...(dto.dependencies === undefined ? {} : { dependencies }),
  };
  return { ok: true, manifest, raw: raw as Record<string, unknown> };
}
