import { Inject, Injectable } from '@nestjs/common';
import { ModuleErrorCode, PlatformErrorCode, type FieldError, type Principal } from '@hotswap/contracts';
import { actorOf, AuditService } from '@hotswap/audit';
import { Database } from '@hotswap/database';
import { EventLog } from '@hotswap/events';
import { RequestValidationError } from '@hotswap/http';
import type { ModuleVersionEntity } from './entities/module-version.entity';
import { checkManifest } from './manifest';
import { ModuleError, moduleNotFound, versionNotFound } from './module.errors';
import { isModuleName, MODULE_NAME_MESSAGE } from './module-name';
import { ModulesRepository, type ModuleSummaryRow } from './modules.repository';
import { MODULE_INVENTORY, type ModuleInventory } from './module-inventory.port';
import { isSemver, newestFirst, satisfiesRange } from './semver';
import { sha256Hex, signedPayload } from './signing';
import { SigningKeysService } from './signing-keys.service';

export interface PublishInput {
  readonly manifestText: string;
  readonly artifact: Buffer | undefined;
  readonly signature: string | undefined;
  readonly signingKeyId: string | undefined;
}

export interface DependencyStatus {
  readonly name: string;
  readonly range: string;
  readonly runningVersions: string[];
  readonly nodes: number;
  readonly satisfyingNodes: number;
  readonly status: 'satisfied' | 'unsatisfied' | 'missing';
  readonly satisfied: boolean;
}

export interface DependencyReport {
  readonly name: string;
  readonly version: string;
  readonly environment: string;
  readonly satisfied: boolean;
  readonly dependencies: DependencyStatus[];
}

export interface ModuleSummary extends ModuleSummaryRow {
  readonly latestVersion: string | undefined;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The module registry: publishing verified versions, reading them, yanking. */
@Injectable()
export class ModuleRegistry {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(ModulesRepository) private readonly modules: ModulesRepository,
    @Inject(SigningKeysService) private readonly signingKeys: SigningKeysService,
    @Inject(EventLog) private readonly events: EventLog,
    @Inject(AuditService) private readonly audit: AuditService,
    @Inject(MODULE_INVENTORY) private readonly inventory: ModuleInventory,
  ) {}

  async publish(name: string, input: PublishInput, principal: Principal): Promise<ModuleVersionEntity> {
    const errors: FieldError[] = [];
    if (!isModuleName(name)) errors.push({ field: 'name', message: `name ${MODULE_NAME_MESSAGE}` });
    const checked = await checkManifest(input.manifestText, name);
    if (!checked.ok) errors.push(...checked.errors);
    if (input.artifact === undefined)
      errors.push({ field: 'artifact', message: 'artifact (a file part) is required' });
    else if (input.artifact.length === 0)
      errors.push({ field: 'artifact', message: 'artifact must not be empty' });
    if ((input.signature === undefined) !== (input.signingKeyId === undefined)) {
      const missing = input.signature === undefined ? 'signature' : 'signingKeyId';
      errors.push({
        field: missing,
        message: `${missing} is required when the other signature field is given`,
      });
    }
    if (input.signature !== undefined && !BASE64.test(input.signature)) {
      errors.push({ field: 'signature', message: 'signature must be base64' });
    }
    if (errors.length > 0 || !checked.ok || input.artifact === undefined)
      throw new RequestValidationError(errors);

    const { manifest, raw } = checked;
    const artifact = input.artifact;
    const sha256 = sha256Hex(artifact);
    if (input.signature !== undefined && input.signingKeyId !== undefined) {
      await this.signingKeys.verify(
        input.signingKeyId,
        signedPayload(sha256, raw),
        Buffer.from(input.signature, 'base64'),
      );
    }
    return this.database.transaction(async () => {
      const conflict = () =>
        new ModuleError(
          ModuleErrorCode.VersionExists,
          `${name}@${manifest.version} is already published; versions are immutable.`,
        );
      if ((await this.modules.findVersion(name, manifest.version)) !== null) throw conflict();
      await this.modules.ensureModule(name, manifest.description ?? null);
      await this.modules.storeArtifact(sha256, artifact);
      const saved = await this.modules.insertVersion({
        moduleName: name,
        version: manifest.version,
        sha256,
        size: artifact.length,
        manifest: raw,
        signature: input.signature ?? null,
        signingKeyId: input.signingKeyId ?? null,
        publishedBy: principal.username ?? principal.id,
        publishedAt: new Date(),
      });
      if (saved === null) throw conflict();
      await this.events.append(
        'module.published',
        { moduleName: name },
        { version: saved.version, signed: saved.signature !== null, sha256, publishedBy: saved.publishedBy },
      );
      await this.audit.record({
        category: 'modules',
        action: 'module.publish',
        result: 'success',
        actor: actorOf(principal),
        resource: { type: 'module-version', id: `${name}@${saved.version}` },
        details: {
          sha256,
          size: artifact.length,
          signed: saved.signature !== null,
          signingKeyId: saved.signingKeyId,
        },
      });
      return saved;
    });
  }

  /** Modules by name, each with its newest version. */
  async listModules(afterName: string | undefined, limit: number): Promise<ModuleSummary[]> {
    const rows = await this.modules.listModules(afterName, limit);
    return Promise.all(
      rows.map(async (row) => ({ ...row, latestVersion: (await this.versions(row.name))[0]?.version })),
    );
  }

  async getModule(name: string): Promise<{ summary: ModuleSummary; versions: ModuleVersionEntity[] }> {
    const module = await this.modules.findModule(name);
    if (module === null) throw moduleNotFound(name);
    const versions = await this.versions(name);
    return {
      summary: {
        name: module.name,
        description: module.description,
        createdAt: module.createdAt,
        versionCount: versions.length,
        latestVersion: versions[0]?.version,
      },
      versions,
    };
  }

  /** Every version of a module, newest first by SemVer precedence. */
  async versions(name: string): Promise<ModuleVersionEntity[]> {
    const versions = await this.modules.versionsOf(name);
    return versions.sort((a, b) => newestFirst(a.version, b.version));
  }

  async versionsOfExisting(name: string): Promise<ModuleVersionEntity[]> {
    if ((await this.modules.findModule(name)) === null) throw moduleNotFound(name);
    return this.versions(name);
  }

  async getVersion(name: string, version: string): Promise<ModuleVersionEntity> {
    if (!isSemver(version)) throw versionNotFound(name, version);
    const row = await this.modules.findVersion(name, version);
    if (row === null) throw versionNotFound(name, version);
    return row;
  }

  async artifact(name: string, version: string): Promise<{ version: ModuleVersionEntity; content: Buffer }> {
    if (!isSemver(version)) throw versionNotFound(name, version);
    const found = await this.modules.findVersionWithArtifact(name, version);
    if (found === null || found.content === null) throw versionNotFound(name, version);
    return { version: found.version, content: found.content };
  }

  /**
   * Each dependency of a version against what `environment` runs: satisfied when every node runs a
   * version in the range, unsatisfied when some run it in another version, missing when none does.
   */
  async dependencyReport(name: string, version: string, environment: string): Promise<DependencyReport> {
    const row = await this.getVersion(name, version);
    const declared = row.manifest.dependencies;
    const dependencies =
      typeof declared === 'object' && declared !== null
        ? Object.entries(declared as Record<string, string>)
        : [];
    const statuses: DependencyStatus[] = [];
    for (const [dependency, range] of dependencies) {
      const versions = await this.inventory.activeVersions(environment, dependency);
      if (versions === null)
        throw new ModuleError(PlatformErrorCode.NotFound, `Environment '${environment}' was not found.`);
      const running = versions.filter((v): v is string => v !== null);
      const satisfying = running.filter((v) => satisfiesRange(v, range)).length;
      const status =
        running.length === 0 ? 'missing' : satisfying === versions.length ? 'satisfied' : 'unsatisfied';
      statuses.push({
        name: dependency,
        range,
        runningVersions: [...new Set(running)].sort(newestFirst),
        nodes: versions.length,
        satisfyingNodes: satisfying,
        status,
        satisfied: status === 'satisfied',
      });
    }
    return {
      name,
      version,
      environment,
      satisfied: statuses.every((s) => s.satisfied),
      dependencies: statuses,
    };
  }

  async setYanked(name: string, version: string, yanked: boolean, reason: string, principal: Principal) {
    return this.database.transaction(async () => {
      const row = await this.getVersion(name, version);
      if (row.yanked === yanked) {
        throw new ModuleError(
          ModuleErrorCode.YankStateConflict,
          `${name}@${version} is ${yanked ? 'already yanked' : 'not yanked'}.`,
        );
      }
      await this.modules.setYanked(row.id, yanked, yanked ? reason : null);
      const by = principal.username ?? principal.id;
      const signed = row.signature !== null;
      await this.events.append(
        'module.yanked',
        { moduleName: name },
        { version, signed, yanked, reason, by },
      );
      await this.audit.record({
        category: 'modules',
        action: yanked ? 'module.yank' : 'module.unyank',
        result: 'success',
        actor: actorOf(principal),
        resource: { type: 'module-version', id: `${name}@${version}` },
        details: { reason },
      });
      return this.getVersion(name, version);
    });
  }
}
