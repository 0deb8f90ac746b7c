import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Database } from '@hotswap/database';
import type { QueryDeepPartialEntity } from 'typeorm';
import { ArtifactEntity } from './entities/artifact.entity';
import { ModuleVersionEntity } from './entities/module-version.entity';
import { ModuleEntity } from './entities/module.entity';

export interface ModuleSummaryRow {
  readonly name: string;
  readonly description: string | null;
  readonly createdAt: Date;
  readonly versionCount: number;
}

/** Modules, their versions and artifact bytes. */
@Injectable()
export class ModulesRepository {
  constructor(@Inject(Database) private readonly database: Database) {}

  /** Creates the module row if it does not exist yet (concurrent publishers both succeed). */
  async ensureModule(name: string, description: string | null): Promise<void> {
    await this.database
      .manager()
      .createQueryBuilder()
      .insert()
      .into(ModuleEntity)
      .values({ name, description })
      .orIgnore()
      .execute();
  }

  async findModule(name: string): Promise<ModuleEntity | null> {
    return this.database.repository(ModuleEntity).findOneBy({ name });
  }

  /** Modules ordered by name, after `afterName`, with their version counts. */
  async listModules(afterName: string | undefined, limit: number): Promise<ModuleSummaryRow[]> {
    const query = this.database
      .repository(ModuleEntity)
      .createQueryBuilder('m')
      .select(['m.name AS name', 'm.description AS description', 'm.created_at AS "createdAt"'])
      .addSelect(
        (sub) => sub.select('count(*)::int').from(ModuleVersionEntity, 'v').where('v.module_name = m.name'),
        'versionCount',
      )
      .orderBy('m.name', 'ASC')
      .limit(limit);
    if (afterName !== undefined) query.where('m.name > :afterName', { afterName });
    return query.getRawMany<ModuleSummaryRow>();
  }

  async versionsOf(moduleName: string): Promise<ModuleVersionEntity[]> {
    return this.database.repository(ModuleVersionEntity).findBy({ moduleName });
  }

  async findVersion(moduleName: string, version: string): Promise<ModuleVersionEntity | null> {
    const [row] = await this.database.selectRows(ModuleVersionEntity, 'module_name = $1 AND version = $2', [
      moduleName,
      version,
    ]);
    return row ?? null;
  }

  /** A version with its artifact's bytes, in one read (`content` null when the bytes are missing). */
  async findVersionWithArtifact(
    moduleName: string,
    version: string,
  ): Promise<{ version: ModuleVersionEntity; content: Buffer | null } | null> {
    const [row] = await this.database.selectRows<ModuleVersionEntity & { artifactContent: Buffer | null }>(
      ModuleVersionEntity,
      'module_name = $1 AND version = $2',
      [moduleName, version],
      '',
      '(SELECT a.content FROM module_artifacts a WHERE a.sha256 = module_versions.sha256) AS "artifactContent"',
    );
    if (row === undefined) return null;
    const { artifactContent, ...rest } = row;
    return { version: rest, content: artifactContent };
  }

  /** Inserts a version; `null` when that version exists already (a concurrent publish won). */
  async insertVersion(
    row: Omit<ModuleVersionEntity, 'id' | 'yanked' | 'yankReason'>,
  ): Promise<ModuleVersionEntity | null> {
    const id = randomUUID();
    await this.database
      .manager()
      .createQueryBuilder()
      .insert()
      .into(ModuleVersionEntity)
      // jsonb columns typed as records do not fit TypeORM's deep-partial type; the row is complete.
      .values({ ...row, id, yanked: false, yankReason: null } as QueryDeepPartialEntity<ModuleVersionEntity>)
      .orIgnore()
      .execute();
    return this.database.repository(ModuleVersionEntity).findOneBy({ id });
  }

  async setYanked(id: string, yanked: boolean, reason: string | null): Promise<void> {
    await this.database.repository(ModuleVersionEntity).update({ id }, { yanked, yankReason: reason });
  }

  /** Stores artifact bytes by digest; identical bytes are stored once. */
  async storeArtifact(sha256: string, content: Buffer): Promise<void> {
    await this.database
      .manager()
      .createQueryBuilder()
      .insert()
      .into(ArtifactEntity)
      .values({ sha256, content, size: content.length })
      .orIgnore()
      .execute();
  }
}
