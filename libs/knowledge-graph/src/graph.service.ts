import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FieldError, Principal } from '@hotswap/contracts';
import { Database } from '@hotswap/database';
import {
  entityNotFound,
  invalid,
  relationshipNotFound,
  schemaNotFound,
  schemaVersionExists,
  schemaVersionNotNewer,
  staleVersion,
  topologyOwned,
} from './graph.errors';
import { GraphRepository, type SchemaRow } from './graph.repository';
import {
  checkSchemaDefinition,
  compareSchemaVersions,
  SCHEMA_VERSION_PATTERN,
  validateEntity,
  validateRelationship,
  type GraphSchemaDefinition,
} from './graph-schema';
import type { Direction, GraphEntity, GraphRelationship } from './graph.types';
import { TOPOLOGY_TYPES } from './topology/topology-types';

export interface GraphSchemaView {
  readonly version: string;
  readonly definition: GraphSchemaDefinition;
  readonly createdBy: string;
  readonly createdAt: Date;
}

const actor = (p: Principal) => p.username ?? p.id;

const toSchema = (row: SchemaRow): GraphSchemaView => ({
  version: row.version,
  definition: row.definition as unknown as GraphSchemaDefinition,
  createdBy: row.created_by,
  createdAt: row.created_at,
});

function reservedType(type: string, field: string): FieldError[] {
  return TOPOLOGY_TYPES.includes(type)
    ? [{ field, message: `type '${type}' is reserved for the topology mirror` }]
    : [];
}

/** Entity, relationship and schema use cases: every write validated, versioned, and generation-bumped. */
@Injectable()
export class GraphService {
  constructor(
    @Inject(Database) private readonly database: Database,
    @Inject(GraphRepository) private readonly graph: GraphRepository,
  ) {}

  private async enforcedSchema(): Promise<GraphSchemaDefinition | null> {
    await this.graph.lockSchema(true);
    const row = await this.graph.latestSchema();
    return row === null ? null : (row.definition as unknown as GraphSchemaDefinition);
  }

  createEntity(
    type: string,
    properties: Record<string, unknown>,
    principal: Principal,
  ): Promise<GraphEntity> {
    return this.graph.write(async () => {
      const errors = [
        ...reservedType(type, 'type'),
        ...validateEntity(await this.enforcedSchema(), type, properties),
      ];
      if (errors.length > 0) throw invalid(errors);
      const entity = await this.graph.insertEntity({
        id: randomUUID(),
        type,
        properties,
        actor: actor(principal),
      });
      await this.graph.bumpGeneration();
      return entity;
    });
  }

  async getEntity(id: string): Promise<GraphEntity> {
    const entity = await this.graph.findEntity(id);
    if (entity === null) throw entityNotFound(id);
    return entity;
  }

  updateEntity(
    id: string,
    version: number,
    properties: Record<string, unknown>,
    principal: Principal,
  ): Promise<GraphEntity> {
    return this.graph.write(async () => {
      const current = await this.graph.findEntity(id, true);
      if (current === null) throw entityNotFound(id);
      if (current.owner === 'topology') throw topologyOwned('Graph entity', id);
      if (current.version !== version) throw staleVersion(id, version, current.version);
      const errors = validateEntity(await this.enforcedSchema(), current.type, properties);
      if (errors.length > 0) throw invalid(errors);
      const updated = await this.graph.updateEntity(id, version, properties, actor(principal));
      if (updated === null) throw staleVersion(id, version, current.version + 1);
      await this.graph.bumpGeneration();
      return updated;
    });
  }

  deleteEntity(id: string): Promise<void> {
    return this.graph.write(async () => {
      const current = await this.graph.findEntity(id, true);
      if (current === null) throw entityNotFound(id);
      if (current.owner === 'topology') throw topologyOwned('Graph entity', id);
      await this.graph.deleteEntity(id);
      await this.graph.bumpGeneration();
    });
  }

  createRelationship(
    input: {
      type: string;
      sourceEntityId: string;
      targetEntityId: string;
      weight?: number;
      isDirected?: boolean;
      properties?: Record<string, unknown>;
    },
    principal: Principal,
  ): Promise<GraphRelationship> {
    return this.graph.write(async () => {
      const weight = input.weight ?? 1;
      const properties = input.properties ?? {};
      const [source, target] = await Promise.all([
        this.graph.findEntity(input.sourceEntityId),
        this.graph.findEntity(input.targetEntityId),
      ]);
      const errors: FieldError[] = [...reservedType(input.type, 'type')];
      if (source === null)
        errors.push({ field: 'sourceEntityId', message: `entity '${input.sourceEntityId}' does not exist` });
      if (target === null)
        errors.push({ field: 'targetEntityId', message: `entity '${input.targetEntityId}' does not exist` });
      errors.push(
        ...validateRelationship(await this.enforcedSchema(), {
          type: input.type,
          weight,
          properties,
          sourceType: source?.type ?? '',
          targetType: target?.type ?? '',
        }).filter(
          (e) =>
            !(e.field === 'sourceEntityId' && source === null) &&
            !(e.field === 'targetEntityId' && target === null),
        ),
      );
      if (errors.length > 0) throw invalid(errors);
      const created = await this.graph.insertRelationship({
        id: randomUUID(),
        type: input.type,
        sourceId: input.sourceEntityId,
        targetId: input.targetEntityId,
        weight,
        isDirected: input.isDirected ?? true,
        properties,
        actor: actor(principal),
      });
      await this.graph.bumpGeneration();
      return created;
    });
  }

  async getRelationship(id: string): Promise<GraphRelationship> {
    const rel = await this.graph.findRelationship(id);
    if (rel === null) throw relationshipNotFound(id);
    return rel;
  }

  deleteRelationship(id: string): Promise<void> {
    return this.graph.write(async () => {
      const rel = await this.graph.findRelationship(id);
      if (rel === null) throw relationshipNotFound(id);
      if (rel.owner === 'topology') throw topologyOwned('Graph relationship', id);
      await this.graph.deleteRelationship(id);
      await this.graph.bumpGeneration();
    });
  }

  async relationshipsOf(id: string, direction: Direction, limit: number): Promise<GraphRelationship[]> {
    await this.getEntity(id);
    return this.graph.relationshipsOf(id, direction, limit);
  }

  createSchema(version: string, rawDefinition: unknown, principal: Principal): Promise<GraphSchemaView> {
    return this.graph.write(async () => {
      const errors: FieldError[] = [];
      if (!SCHEMA_VERSION_PATTERN.test(version)) {
        errors.push({ field: 'version', message: 'must be a version major.minor.patch (e.g. 1.2.0)' });
      }
      const checked = checkSchemaDefinition(rawDefinition);
      errors.push(...checked.errors.map((e) => ({ field: `definition.${e.field}`, message: e.message })));
      if (errors.length > 0) throw invalid(errors);
      await this.graph.lockSchema(false);
      if ((await this.graph.findSchema(version)) !== null) throw schemaVersionExists(version);
      const latest = await this.graph.latestSchema();
      if (latest !== null && compareSchemaVersions(version, latest.version) <= 0) {
        throw schemaVersionNotNewer(version, latest.version);
      }
      const row = await this.graph.insertSchema(
        version,
        checked.definition as unknown as Record<string, unknown>,
        actor(principal),
      );
      await this.graph.bumpGeneration();
      return toSchema(row);
    });
  }

  async listSchemas(): Promise<GraphSchemaView[]> {
    return (await this.graph.listSchemas()).map(toSchema);
  }

  async getSchema(version: string): Promise<GraphSchemaView> {
    const row = version === 'latest' ? await this.graph.latestSchema() : await this.graph.findSchema(version);
    if (row === null) throw schemaNotFound(version);
    return toSchema(row);
  }
}
